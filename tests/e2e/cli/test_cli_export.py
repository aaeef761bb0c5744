"""``case-transfer export``, run as an operator runs it: the same bytes every time, the
same as the API's CSV history, the export alone on stdout and its progress on stderr."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.adapters.principals import create_development_principals
from service.asgi import create_app
from service.settings import Settings
from tests.e2e.api.support import Api, Clock, complete_transfer
from tests.stores import store

from .test_cli import _environment, assert_operator_error, case_transfer


@dataclass
class Recorded:
    """A store with three cases recorded through the API, and the API's CSV history of
    the first; ``between`` is an instant after the first two cases and before the third."""

    url: str
    cases: list[str]
    history_csv: bytes
    between: datetime

    def export(self, *args: str, cwd: Path) -> tuple[bytes, str]:
        """Run the export; its stdout as bytes (no newline translation), its stderr."""
        result = subprocess.run(
            [sys.executable, "-m", "service.cli", "export", *args],
            cwd=cwd,
            env=_environment(CASE_TRANSFER_DATABASE_URL=self.url),
            capture_output=True,
            timeout=60,
            check=False,
        )
        stderr = result.stderr.decode()
        assert result.returncode == 0, stderr
        return result.stdout, stderr


@pytest.fixture(params=["sqlite", "postgres"])
def recorded(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Recorded]:
    with store(request.param, tmp_path, prefix="export") as url:
        principals = tmp_path / "principals.toml"
        tokens = create_development_principals(principals)
        clock = Clock()
        settings = Settings(database_url=url, principals_file=principals)
        with TestClient(create_app(settings, clock=clock.now)) as client:
            api = Api(client, {**_short(tokens), "leeds-mash": tokens["Somerset MASH"]}, clock)
            first, second = api.open_case()["case_id"], api.open_case()["case_id"]
            complete_transfer(api, first)
            between = clock.now()
            clock.advance(seconds=1)
            third = api.open_case()["case_id"]
            history = api.auditor.get(f"/v1/cases/{first}/history", headers={"Accept": "text/csv"})
            assert history.status_code == 200
        yield Recorded(url, [first, second, third], history.content, between)


def _short(tokens: dict[str, str]) -> dict[str, str]:
    names = {
        "somerset": "Somerset case system",
        "bristol": "Bristol case system",
        "leeds": "Leeds case system",
        "mash": "Somerset MASH",
        "auditor": "Auditor",
    }
    return {short: tokens[name] for short, name in names.items()}


class TestExport:
    @pytest.mark.parametrize("form", ["jsonl", "csv"])
    def test_the_same_store_gives_the_same_bytes_on_stdout_and_in_a_file(
        self, recorded: Recorded, tmp_path: Path, form: str
    ) -> None:
        target = tmp_path / "out" / f"all.{form}"
        target.parent.mkdir()

        first, _ = recorded.export("--all", "--format", form, cwd=tmp_path)
        again, _ = recorded.export("--all", "--format", form, cwd=tmp_path)
        _, said = recorded.export("--all", "--format", form, "--output", str(target), cwd=tmp_path)

        assert first == again == target.read_bytes()
        assert b"\r\n" not in first
        assert "Exported" in said and str(target) in said
        assert not list(target.parent.glob("*.partial"))

    def test_jsonl_holds_every_case_event_in_log_order(
        self, recorded: Recorded, tmp_path: Path
    ) -> None:
        out, said = recorded.export("--all", cwd=tmp_path)

        records = [json.loads(line) for line in out.decode().splitlines()]

        positions = [r["position"] for r in records]
        assert positions == sorted(set(positions))
        assert {r["case_id"] for r in records} == set(recorded.cases)
        assert set(records[0]) == {
            "position",
            "case_id",
            "type",
            "version",
            "recorded_at",
            "actor",
            "data",
        }
        assert f"Exported {len(records)} events to stdout." in said

    def test_one_case_as_csv_is_the_same_bytes_as_the_api_answers(
        self, recorded: Recorded, tmp_path: Path
    ) -> None:
        out, _ = recorded.export("--case", recorded.cases[0], "--format", "csv", cwd=tmp_path)

        assert out == recorded.history_csv
        rows = list(csv.DictReader(io.StringIO(out.decode())))
        assert {r["case_id"] for r in rows} == {recorded.cases[0]}

    def test_as_known_at_leaves_out_what_was_recorded_later(
        self, recorded: Recorded, tmp_path: Path
    ) -> None:
        moment = recorded.between.isoformat()

        out, _ = recorded.export("--all", "--as-known-at", moment, cwd=tmp_path)

        cases = {json.loads(line)["case_id"] for line in out.decode().splitlines()}
        assert cases == set(recorded.cases[:2])


class TestOperatorMistakes:
    def test_an_unknown_case_is_one_line_and_status_2(
        self, recorded: Recorded, tmp_path: Path
    ) -> None:
        result = case_transfer(
            "export",
            "--case",
            "00000000-0000-4000-8000-000000000000",
            cwd=tmp_path,
            CASE_TRANSFER_DATABASE_URL=recorded.url,
        )

        assert_operator_error(result, "No such case")
        assert result.stdout == ""

    @pytest.mark.parametrize(
        "args",
        [
            ["--format", "jsonl"],
            ["--all", "--case", "00000000-0000-4000-8000-000000000000"],
            ["--all", "--format", "xml"],
            ["--all", "--as-known-at", "2026-11-26T09:00:00"],
            ["--case", "not-a-case"],
        ],
        ids=["neither", "both", "format", "naive-instant", "bad-id"],
    )
    def test_bad_options_exit_2_without_a_traceback(self, tmp_path: Path, args: list[str]) -> None:
        result = case_transfer(
            "export", *args, cwd=tmp_path, CASE_TRANSFER_DATABASE_URL=f"sqlite:///{tmp_path}/x"
        )

        assert result.returncode == 2
        assert "Traceback" not in result.stderr and result.stdout == ""
