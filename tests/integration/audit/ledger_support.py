"""Support for the ledger's tests: a real store with its ledger, histories, and an attacker.

The attacker works on the database directly, as an owner of the tables could: it
first drops the append-only triggers (``service.append_only``), then changes stored
bytes, deletes, inserts, renumbers or swaps rows of the events table. Nothing here
goes through the service.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.persistence import Notification
from pydantic import SecretStr
from sqlalchemy import Connection, Engine, delete, select, text, update

from service.adapters.append_only import (
    POSITION_CHECK,
    POSITION_TRIGGER,
    ROW_TRIGGER,
    TRUNCATE_TRIGGER,
)
from service.adapters.tables import LEDGER, ledger, positions
from service.application import CaseTransferApplication
from service.audit.chain import GENESIS, EventFacts, link
from service.audit.ledger import LedgerProjector, facts_of
from service.bootstrap import open_service
from service.settings import Settings
from tests.integration.projections.processes import T0, hand_over
from tests.stores import store

LedgerRowValues = tuple[int, UUID, int, str, bytes, bytes]


class Clock:
    """The application's clock, moved on a second at every reading so events differ."""

    def __init__(self) -> None:
        self.ticks = 0

    def now(self) -> Any:
        from datetime import timedelta

        self.ticks += 1
        return T0 + timedelta(seconds=self.ticks)


@dataclass
class LedgerStore:
    """An application, its read-model engine (migrated) and a ledger projector."""

    kind: str
    settings: Settings
    application: CaseTransferApplication
    engine: Engine
    ledger: LedgerProjector

    def record(self, cases: int = 3, first: int = 0) -> None:
        """Whole hand-overs: case events, child index entries and remembered requests."""
        for n in range(first, first + cases):
            hand_over(self.application, n)

    def notifications(self) -> list[Notification]:
        return list(self.application.recorder.select_notifications(start=None, limit=100_000))

    def ledger_rows(self) -> list[LedgerRowValues]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(
                    ledger.c.position,
                    ledger.c.originator_id,
                    ledger.c.originator_version,
                    ledger.c.topic,
                    ledger.c.event_sha256,
                    ledger.c.chain_sha256,
                ).order_by(ledger.c.position)
            )
            return [(r[0], r[1], r[2], r[3], bytes(r[4]), bytes(r[5])) for r in rows]

    def expected_rows(self) -> list[LedgerRowValues]:
        """The oracle: the chain recomputed from the store with the pure functions."""
        previous, rows = GENESIS, []
        for notification in self.notifications():
            facts: EventFacts = facts_of(self.application.mapper, notification)
            entry = link(previous, facts, notification.state)
            previous = entry.chain_sha256
            rows.append(
                (
                    facts.position,
                    facts.originator_id,
                    facts.originator_version,
                    facts.topic,
                    entry.event_sha256,
                    entry.chain_sha256,
                )
            )
        return rows

    @contextmanager
    def editing_ledger(self) -> Iterator[Connection]:
        """A transaction on the ledger as its owner, who first drops its append-only
        triggers (migration 0005); the service's role cannot."""
        with self.engine.begin() as connection:
            if self.kind == "sqlite":
                for operation in ("update", "delete"):
                    connection.execute(text(f"DROP TRIGGER IF EXISTS ledger_no_{operation}"))
            else:
                for trigger in ("ledger_append_only", "ledger_no_truncate"):
                    connection.execute(text(f"DROP TRIGGER IF EXISTS {trigger} ON ledger"))
            yield connection

    def forget_ledger(self) -> None:
        """Empty the ledger and its position (to feed it again another way)."""
        with self.editing_ledger() as connection:
            connection.execute(delete(ledger))
            connection.execute(
                update(positions)
                .where(positions.c.name == LEDGER)
                .values(position=0, events_applied=0)
            )

    def reopen(self) -> LedgerStore:
        """Another process's view of the same database: its own application and engine."""
        return open_ledger_store(self.kind, self.settings)

    def close(self) -> None:
        self.engine.dispose()
        self.application.close()


def open_ledger_store(kind: str, settings: Settings) -> LedgerStore:
    service = open_service(settings, Clock().now)
    application, engine = service.application, service.engine
    return LedgerStore(kind, settings, application, engine, service.ledger)


@contextmanager
def ledger_store(
    kind: str, tmp_path: Path, *, encryption_key: str | None = None
) -> Iterator[LedgerStore]:
    """A fresh store of ``kind`` ("sqlite" or "postgres") with its ledger."""
    with store(kind, tmp_path, prefix="ledger") as url:
        key = SecretStr(encryption_key) if encryption_key is not None else None
        settings = Settings(database_url=url, encryption_key=key, settle_margin_seconds=0)
        opened = open_ledger_store(kind, settings)
        try:
            yield opened
        finally:
            opened.close()


class Attacker:
    """Someone who owns the events table: drops its triggers and edits rows directly."""

    def __init__(self, target: LedgerStore, *, drop_checks: bool = True) -> None:
        """``drop_checks=False``: an owner who leaves the tables' triggers in place."""
        self.target = target
        recorder: Any = target.application.recorder
        self.table: str = recorder.events_table_name
        self.sqlite = target.kind == "sqlite"
        self.schema: str = "" if self.sqlite else recorder.datastore.schema
        self.position_column = "rowid" if self.sqlite else "notification_id"
        if drop_checks:
            self._drop_triggers()

    @property
    def qualified(self) -> str:
        return f'"{self.table}"' if self.sqlite else f'"{self.schema}"."{self.table}"'

    def execute(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.sqlite:
            path = self.target.settings.database_url.removeprefix("sqlite:///")
            connection = sqlite3.connect(path)
            try:
                rows = connection.execute(sql, parameters).fetchall()
                connection.commit()
            finally:
                connection.close()
            return rows
        import psycopg

        from tests.stores import postgres_base_url

        with psycopg.connect(postgres_base_url(), autocommit=True) as pg:
            cursor = pg.execute(sql.replace("?", "%s").encode(), parameters)
            return cursor.fetchall() if cursor.description else []

    def _drop_triggers(self) -> None:
        if self.sqlite:
            for suffix in ("no_update", "no_delete", "append_at_end"):
                self.execute(f'DROP TRIGGER IF EXISTS "{self.table}_{suffix}"')
            return
        for trigger in (ROW_TRIGGER, TRUNCATE_TRIGGER, POSITION_TRIGGER):
            self.execute(f'DROP TRIGGER IF EXISTS "{trigger}" ON {self.qualified}')
        self.execute(f'ALTER TABLE {self.qualified} DROP CONSTRAINT IF EXISTS "{POSITION_CHECK}"')

    def row(self, position: int) -> tuple[str, int, str, bytes]:
        """(originator_id, originator_version, topic, state) at ``position``."""
        (found,) = self.execute(
            f"SELECT originator_id, originator_version, topic, state FROM {self.qualified} "
            f"WHERE {self.position_column} = ?",
            (position,),
        )
        return str(found[0]), int(found[1]), str(found[2]), bytes(found[3])

    def set_state(self, position: int, state: bytes) -> None:
        self.execute(
            f"UPDATE {self.qualified} SET state = ? WHERE {self.position_column} = ?",
            (state, position),
        )

    def delete(self, position: int) -> None:
        self.execute(f"DELETE FROM {self.qualified} WHERE {self.position_column} = ?", (position,))

    def insert(self, position: int, like: int) -> UUID:
        """A forged event at ``position``: a copy of the one at ``like`` for a new aggregate."""
        _, version, topic, state = self.row(like)
        forged = uuid4()
        originator: Any = str(forged) if self.sqlite else forged
        self.execute(
            f"INSERT INTO {self.qualified} ({self.position_column}, originator_id, "
            "originator_version, topic, state) VALUES (?, ?, ?, ?, ?)",
            (position, originator, version, topic, state),
        )
        return forged

    def renumber_from(self, position: int) -> None:
        """Move every event at or after ``position`` one place on, leaving a hole there."""
        column, table = self.position_column, self.qualified
        self.execute(
            f"UPDATE {table} SET {column} = -{column} - 1 WHERE {column} >= ?", (position,)
        )
        self.execute(f"UPDATE {table} SET {column} = -{column} WHERE {column} < 0")

    def swap(self, first: int, second: int) -> None:
        """Exchange the topic and stored bytes of two events, keeping their ids."""
        _, _, first_topic, first_state = self.row(first)
        _, _, second_topic, second_state = self.row(second)
        for position, topic, state in (
            (first, second_topic, second_state),
            (second, first_topic, first_state),
        ):
            self.execute(
                f"UPDATE {self.qualified} SET topic = ?, state = ? "
                f"WHERE {self.position_column} = ?",
                (topic, state, position),
            )

    def skip_a_position(self) -> None:
        """PostgreSQL: use up one notification id, as a transaction that rolled back does."""
        self.execute(
            "SELECT nextval(pg_get_serial_sequence(?, 'notification_id'))",
            (f'"{self.schema}"."{self.table}"',),
        )
