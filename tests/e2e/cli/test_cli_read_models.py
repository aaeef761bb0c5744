"""``case-transfer migrate``, ``replay`` and ``replay --check``, and ``serve`` refusing read
models at an old schema: run as an operator runs them, on SQLite and PostgreSQL.

The store is filled in-process through the application; the commands run in a
subprocess (some in-process through ``main``, where only the output matters).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, inspect

from service.adapters.sql import open_engine, schema_revisions
from service.bootstrap import open_store
from service.cli import main
from service.settings import Settings
from tests.integration.projections.conftest import Clock, open_read_store
from tests.integration.projections.histories import corrupt, populate, read_live
from tests.stores import store

from .test_cli import ROOT, assert_operator_error, case_transfer, serving

CASES = 18


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with store(request.param, tmp_path, prefix="cli") as url:
        yield url


def filled(database_url: str, cases: int = CASES) -> int:
    """Record ``cases`` cases and bring the read models up to date; the log's head."""
    read_store = open_read_store(
        Settings(database_url=database_url), Clock(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    )
    try:
        populate(read_store.application, read_store.clock, cases)
        return read_store.projector.catch_up().position
    finally:
        read_store.close()


def create_event_tables(database_url: str) -> None:
    """What the schema's owner does once, before the service runs as a role owning nothing."""
    open_store(Settings(database_url=database_url)).close()


def with_engine(database_url: str) -> Engine:
    return open_engine(Settings(database_url=database_url))


def run_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str, *args: str
) -> tuple[int, str, str]:
    """``case-transfer`` in this process: its status, stdout and stderr."""
    for name in list(os.environ):
        if name.startswith("CASE_TRANSFER_") and name != "CASE_TRANSFER_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("CASE_TRANSFER_DATABASE_URL", url)
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


class TestMigrate:
    def test_upgrades_a_fresh_database_and_says_to_which_revision(
        self, database_url: str, tmp_path: Path
    ) -> None:
        first = case_transfer("migrate", cwd=tmp_path, CASE_TRANSFER_DATABASE_URL=database_url)
        second = case_transfer("migrate", cwd=tmp_path, CASE_TRANSFER_DATABASE_URL=database_url)

        engine = with_engine(database_url)
        try:
            current, head = schema_revisions(engine)
        finally:
            engine.dispose()
        assert (first.returncode, second.returncode) == (0, 0), first.stderr + second.stderr
        assert current == head is not None
        assert first.stdout == f"Upgraded the read models' schema from none to revision {head}.\n"
        assert second.stdout == f"The read models' schema is already at revision {head}.\n"
        assert first.stderr == second.stderr == ""


class TestServeChecksTheReadModelsSchema:
    def test_refuses_until_migrated_when_it_may_not_create_tables(
        self, database_url: str, tmp_path: Path
    ) -> None:
        create_event_tables(database_url)
        production_like = {
            "CASE_TRANSFER_DATABASE_URL": database_url,
            "CASE_TRANSFER_CREATE_TABLES": "false",
        }

        refused = case_transfer(
            "serve",
            "--port",
            str(free_port()),
            cwd=tmp_path,
            CASE_TRANSFER_DATABASE_URL=database_url,
            CASE_TRANSFER_CREATE_TABLES="false",
        )

        assert_operator_error(refused, "schema", "case-transfer migrate")
        engine = with_engine(database_url)
        try:
            assert "rm_cases" not in inspect(engine).get_table_names()
        finally:
            engine.dispose()

        migrated = case_transfer(
            "migrate",
            cwd=tmp_path,
            CASE_TRANSFER_DATABASE_URL=database_url,
            CASE_TRANSFER_CREATE_TABLES="false",
        )
        assert migrated.returncode == 0, migrated.stderr
        with (
            serving(tmp_path, free_port(), environment(**production_like)) as url,
            httpx.Client(base_url=url, timeout=10) as http,
        ):
            assert http.get("/health/ready").status_code == 200

    def test_refuses_a_database_without_the_event_tables_with_one_line(
        self, tmp_path: Path
    ) -> None:
        with store("postgres", tmp_path, prefix="cli") as database_url:
            result = case_transfer(
                "serve",
                "--port",
                str(free_port()),
                cwd=tmp_path,
                CASE_TRANSFER_DATABASE_URL=database_url,
                CASE_TRANSFER_CREATE_TABLES="false",
            )

        assert_operator_error(result, "casetransferapplication_events")


class TestReplay:
    def test_rebuilds_with_a_progress_bar_then_prints_a_summary(
        self, database_url: str, tmp_path: Path
    ) -> None:
        head = filled(database_url)
        engine = with_engine(database_url)
        try:
            right = read_live(engine)
            corrupt(engine)

            result = case_transfer("replay", cwd=tmp_path, CASE_TRANSFER_DATABASE_URL=database_url)

            assert result.returncode == 0, result.stderr
            assert "Rebuilding" in result.stderr
            assert f"{head}/{head} events" in result.stderr
            summary = result.stdout.splitlines()
            assert summary[0].startswith(f"Replayed {head:,} events (")
            assert f" case events, {CASES} cases) in " in summary[0]
            assert summary[0].endswith(" events/s.")
            assert summary[1] == f"The read models now reflect the log at position {head:,}."
            assert read_live(engine) == right
            assert "rm_cases_rebuild" not in inspect(engine).get_table_names()
        finally:
            engine.dispose()

    def test_refuses_read_models_never_migrated_with_one_line(
        self, database_url: str, tmp_path: Path
    ) -> None:
        create_event_tables(database_url)

        result = case_transfer(
            "replay",
            cwd=tmp_path,
            CASE_TRANSFER_DATABASE_URL=database_url,
            CASE_TRANSFER_CREATE_TABLES="false",
        )

        assert_operator_error(result, "case-transfer migrate")


class TestReplayCheck:
    def test_exits_0_when_the_read_models_match_the_log(
        self, database_url: str, tmp_path: Path
    ) -> None:
        head = filled(database_url)

        result = case_transfer(
            "replay", "--check", cwd=tmp_path, CASE_TRANSFER_DATABASE_URL=database_url
        )

        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout == f"The read models match the log at position {head:,}.\n"
        assert f"{head}/{head} events" in result.stderr

    def test_exits_1_naming_each_difference_until_a_replay_repairs_them(
        self,
        database_url: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        head = filled(database_url)
        engine = with_engine(database_url)
        try:
            period, item = corrupt(engine)
            before = read_live(engine)

            result = case_transfer(
                "replay", "--check", cwd=tmp_path, CASE_TRANSFER_DATABASE_URL=database_url
            )

            assert read_live(engine) == before  # a check never repairs
        finally:
            engine.dispose()
        assert result.returncode == 1, result.stdout + result.stderr
        assert result.stdout.splitlines() == [
            f"rm_periods (case_id={period['case_id']}, seq={period['seq']}) authority: "
            f"live '999' vs rebuilt '{period['authority']}'",
            "rm_transfers (transfer_id=00000000-0000-0000-0000-000000000001): extra in the "
            "live table (the log has no such row)",
            f"rm_work_items (item_id='{item['item_id']}'): missing from the live table",
            f"3 differences: the read models do not match the log at position {head:,}; "
            "`case-transfer replay` rebuilds them.",
        ]

        replayed = run_main(monkeypatch, capsys, database_url, "replay")
        checked = run_main(monkeypatch, capsys, database_url, "replay", "--check")

        assert replayed[0] == 0, replayed
        assert checked[:2] == (0, f"The read models match the log at position {head:,}.\n")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def environment(**variables: str) -> dict[str, str]:
    """This environment without any CASE_TRANSFER_ setting, plus ``variables``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASE_TRANSFER_")}
    env["PYTHONPATH"] = str(ROOT)
    env.update(variables)
    return env
