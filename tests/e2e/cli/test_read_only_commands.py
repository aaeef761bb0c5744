"""``verify`` and ``export`` only read: they run no DDL, whatever the settings say.

An auditor verifying a store, or exporting it, must leave it exactly as found: a store
whose triggers were dropped (by its owner, as an attacker would) must still have none
afterwards, so that what ``verify`` reports is what was there. Run as an operator runs
them, as separate processes, on SQLite and PostgreSQL; the schema is read before and
after from the database's own catalogue.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from service.adapters.append_only import ROW_TRIGGER, TRUNCATE_TRIGGER
from tests.integration.audit.ledger_support import Attacker, LedgerStore, ledger_store

from .test_cli import case_transfer

EVENT_TABLE_TRIGGERS = {
    ROW_TRIGGER,
    TRUNCATE_TRIGGER,
    "stored_events_no_update",
    "stored_events_no_delete",
}


@pytest.fixture(params=["sqlite", "postgres"])
def unprotected(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LedgerStore]:
    """A recorded store whose append-only triggers its owner has dropped."""
    with ledger_store(request.param, tmp_path) as target:
        target.record(cases=2)
        target.ledger.catch_up()
        Attacker(target)  # drops the triggers
        yield target


def schema_of(target: LedgerStore) -> list[tuple[object, ...]]:
    """Every table, index, trigger and function of the store, as its catalogue lists them."""
    attacker = Attacker.__new__(Attacker)  # reads only: keeps the triggers as they are
    attacker.target = target
    attacker.sqlite = target.kind == "sqlite"
    if attacker.sqlite:
        return attacker.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
    schema = target.application.recorder.datastore.schema  # type: ignore[attr-defined]
    return attacker.execute(
        "SELECT 'relation', c.relname, c.relkind::text FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? "
        "UNION ALL SELECT 'trigger', t.tgname, c.relname FROM pg_trigger t "
        "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = ? AND NOT t.tgisinternal "
        "UNION ALL SELECT 'function', p.proname, '' FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ? "
        "ORDER BY 1, 2, 3",
        (schema, schema, schema),
    )


def run(target: LedgerStore, tmp_path: Path, *args: str) -> None:
    result = case_transfer(
        *args, cwd=tmp_path, CASE_TRANSFER_DATABASE_URL=target.settings.database_url
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "command",
    [("verify",), ("export", "--all", "--format", "jsonl"), ("export", "--all", "--format", "csv")],
    ids=["verify", "export-jsonl", "export-csv"],
)
def test_runs_no_ddl(unprotected: LedgerStore, tmp_path: Path, command: tuple[str, ...]) -> None:
    before = schema_of(unprotected)

    run(unprotected, tmp_path, *command)

    assert schema_of(unprotected) == before
    # The events table's triggers are still dropped (the snapshots table, a cache, keeps
    # its own, of the same names on PostgreSQL).
    events_triggers = [
        row
        for row in before
        if str(row[1]) in EVENT_TABLE_TRIGGERS and "snapshots" not in str(row[2])
    ]
    assert not events_triggers
