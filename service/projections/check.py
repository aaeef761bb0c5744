"""``replay --check``: every difference between the live read models and a rebuild.

The rebuild is made beside the live tables (``replay.rebuild``); holding the live
position lock, whichever set is behind is brought to the other's position, then the
two are walked side by side in primary-key order, as a merge does.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Engine, String, Table, select

from service.adapters.log_follower import lock_position
from service.adapters.sql import sql_errors, writing
from service.adapters.tables import positions
from service.application import CaseTransferApplication

from .projector import Projector
from .replay import REBUILD, REBUILD_BATCH, Rebuild, discard, shadow_projector
from .tables import LIVE, READ_MODELS


@dataclass(frozen=True)
class Difference:
    """One way the live read models differ from a rebuild from the log.

    ``column`` is None when a whole row is missing from the live table (``live`` is
    None) or is in it without the log accounting for it (``rebuilt`` is None).
    """

    table: str
    key: tuple[tuple[str, Any], ...]
    column: str | None
    live: Any
    rebuilt: Any

    def __str__(self) -> str:
        key = ", ".join(f"{name}={_shown(value)}" for name, value in self.key)
        where = f"{self.table} ({key})"
        if self.column is not None:
            return (
                f"{where} {self.column}: live {_shown(self.live)} vs rebuilt {_shown(self.rebuilt)}"
            )
        if self.live is None:
            return f"{where}: missing from the live table"
        return f"{where}: extra in the live table (the log has no such row)"


@dataclass(frozen=True)
class Comparison:
    """The differences found, with both sets of tables at ``position`` of the log."""

    position: int
    differences: list[Difference]


def compare(
    application: CaseTransferApplication,
    engine: Engine,
    rebuilt: Rebuild,
    *,
    batch: int = REBUILD_BATCH,
) -> Comparison:
    """Every difference between the live tables and the rebuild, at one log position.

    Holding the live position lock, whichever set is behind is first brought up to
    the other's position (the live tables catch up as they would have anyway; nothing
    else in them changes), so a difference is a fault, never a lag. The shadow tables
    are dropped afterwards.
    """
    with sql_errors(), writing(engine) as connection:
        live_position, _ = lock_position(connection, READ_MODELS)
        shadow_position, _ = lock_position(connection, REBUILD)
        if live_position < shadow_position:
            Projector(application, engine).catch_up_on(connection, shadow_position)
        elif shadow_position < live_position:
            shadow = shadow_projector(application, engine, rebuilt.tables, batch)
            shadow.catch_up_on(connection, live_position)
        differences = list(_position_differences(connection))
        for live, shadow_table in zip(LIVE.all(), rebuilt.tables.all(), strict=True):
            differences.extend(_table_differences(connection, live, shadow_table))
        position, _ = lock_position(connection, READ_MODELS)
    discard(engine)
    return Comparison(position, differences)


def _position_differences(connection: Connection) -> Iterator[Difference]:
    """At one position, the live tables must have applied exactly as many events."""
    live = lock_position(connection, READ_MODELS)[1]
    rebuilt = lock_position(connection, REBUILD)[1]
    if live != rebuilt:
        key = (("name", READ_MODELS),)
        yield Difference(positions.name, key, "events_applied", live, rebuilt)


def _table_differences(connection: Connection, live: Table, shadow: Table) -> Iterator[Difference]:
    """Walk both tables in primary-key order side by side, as a merge does."""
    keys = [column.name for column in live.primary_key.columns]
    values = [column.name for column in live.columns if column.name not in keys]
    mine, theirs = _ordered(connection, live, keys), _ordered(connection, shadow, keys)
    ours, rebuilt = next(mine, None), next(theirs, None)
    while ours is not None or rebuilt is not None:
        if rebuilt is None or (ours is not None and ours[0] < rebuilt[0]):
            assert ours is not None
            yield Difference(live.name, _named(keys, ours[0]), None, ours[1], None)
            ours = next(mine, None)
        elif ours is None or rebuilt[0] < ours[0]:
            yield Difference(live.name, _named(keys, rebuilt[0]), None, None, rebuilt[1])
            rebuilt = next(theirs, None)
        else:
            for name in values:
                if ours[1][name] != rebuilt[1][name]:
                    key = _named(keys, ours[0])
                    yield Difference(live.name, key, name, ours[1][name], rebuilt[1][name])
            ours, rebuilt = next(mine, None), next(theirs, None)


def _ordered(
    connection: Connection, table: Table, keys: Sequence[str]
) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    """The table's rows ordered by primary key as Python orders the key's values.

    UUIDs order alike on both databases (PostgreSQL bytewise, SQLite as lower-case
    hex); strings are ordered by code point (PostgreSQL's "C" collation), not by the
    database's locale, which the merge in ``_table_differences`` could not follow.
    """
    order: list[Any] = []
    for column in table.primary_key.columns:
        if isinstance(column.type, String) and connection.dialect.name == "postgresql":
            order.append(column.collate("C"))
        else:
            order.append(column)
    result = connection.execution_options(yield_per=1000).execute(select(table).order_by(*order))
    for row in result.mappings():
        yield tuple(row[name] for name in keys), dict(row)


def _named(keys: Sequence[str], values: tuple[Any, ...]) -> tuple[tuple[str, Any], ...]:
    return tuple(zip(keys, values, strict=True))


def _shown(value: Any) -> str:
    """A value as an operator reads it: ids and instants plain, digests in hex."""
    if value is None:
        return "NULL"
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_shown(v)}" for k, v in value.items()) + "}"
    return repr(value)
