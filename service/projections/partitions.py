"""How a rebuild splits the log's cases into passes, so that no case is folded twice.

A rebuild keeps a case in memory from its first event to its last. A national year
has about 27,000 cases open at once and ten years more (three passes of at most 20,000
each), more than a rebuild may keep (each costs several kB, at ten years about 16 kB),
and a case pushed out had to be loaded again from the store at its next event: at
the national year most of a rebuild's time went on such reloads. So the cases are
split by the last hex digit of their id (16 buckets; case ids are random, so the
buckets are even) into as few passes as keep each pass's open cases under the buffer,
and each pass reads only its own cases' events: the database filters them
(``right(originator_id::text, 1)``) before a row is sent, so a pass decodes only the
rows it applies. The database itself still reads the whole table once per pass: at ten
years (6.7 GB, three passes) PostgreSQL spent about as much CPU on that as the
rebuild did folding.

The plan comes from one aggregate over the events table, which counts the open cases
per bucket over blocks of positions (a case in every block it touches, which can only
overcount); a bucket that alone exceeds the buffer gets a pass of its own and the
folder's reloads (``bulk.CaseFolder``) keep it correct. Each pass then reads its own
cases' last versions (``last_versions``), so a rebuild never holds an entry for every
case of the log.

The statements read the events table as eventsourcing 9.5 lays it out (SQLite's
``rowid``, PostgreSQL's ``notification_id``), as ``bulk.last_versions`` and
``audit.feed.case_positions`` do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
from eventsourcing.sqlite import SQLiteAggregateRecorder

from service.adapters.event_store import store_errors
from service.application import CaseTransferApplication

BUCKETS = "0123456789abcdef"
"""A case's bucket is the last hex digit of its id."""
BLOCKS = 4096
"""Blocks of positions over which open cases are counted."""


def bucket_of(case_id: UUID | str) -> str:
    """The last hex digit of a case id (as a UUID, or as the stores write one as text)."""
    return str(case_id)[-1].lower()


@dataclass(frozen=True)
class Plan:
    """The passes' buckets, and the case events up to the head they apply between them."""

    passes: list[str]
    events: int


def plan(
    application: CaseTransferApplication, head: int, topics: Sequence[str], buffer: int
) -> Plan:
    """As few passes as keep each one's open cases at or under ``buffer``.

    The database counts, per bucket and block of positions, the cases whose first
    event falls in the block and those whose last event fell in the block before, so
    the rows sent are at most two per bucket and block, never one per case (ten years
    hold 500,000 cases: a row each cost the rebuild over 100 MB).
    """
    size = head // BLOCKS + 1
    changes = {bucket: [0] * (BLOCKS + 2) for bucket in BUCKETS}
    events = 0
    for bucket, block, change, count in _block_changes(application, head, topics, size):
        changes[bucket][block] += change
        events += count
    return Plan(group(_open_counts(changes), buffer), events)


def group(open_counts: dict[str, list[int]], buffer: int) -> list[str]:
    """Buckets gathered in order into passes whose summed open counts stay within ``buffer``.

    ``open_counts`` gives each bucket's open cases block by block.
    """
    passes: list[str] = []
    current, total = "", [0] * len(next(iter(open_counts.values())))
    for bucket, counts in open_counts.items():
        combined = [a + b for a, b in zip(total, counts, strict=True)]
        if current and max(combined) > buffer:
            passes.append(current)
            current, combined = "", list(counts)
        current, total = current + bucket, combined
    return [*passes, current] if current else passes


def _open_counts(changes: dict[str, list[int]]) -> dict[str, list[int]]:
    counts: dict[str, list[int]] = {}
    for bucket, block_changes in changes.items():
        running, counts[bucket] = 0, []
        for change in block_changes:
            running += change
            counts[bucket].append(running)
    return counts


def _block_changes(
    application: CaseTransferApplication, head: int, topics: Sequence[str], size: int
) -> Iterable[tuple[str, int, int, int]]:
    """(bucket, block, change in open cases, case events first seen there), up to ``head``.

    A case is counted open in every block from its first event's to its last's (a
    case of one event in none): an overcount within a block, never an undercount.
    """
    recorder: Any = application.recorder
    position = _position(recorder)
    statement = (
        f"WITH spans AS (SELECT MIN({_digit(recorder)}) AS bucket, "
        f"MIN({position}) / {{mark}} AS opened, MAX({position}) / {{mark}} + 1 AS closed, "
        f"CASE WHEN MIN({position}) < MAX({position}) THEN 1 ELSE 0 END AS kept, "
        "COUNT(*) AS events "
        f"FROM {{table}} WHERE {position} <= {{mark}} AND topic IN ({{topics}}) "
        "GROUP BY originator_id) "
        "SELECT bucket, opened AS block, SUM(kept) AS change, SUM(events) AS events "
        "FROM spans GROUP BY bucket, opened "
        "UNION ALL SELECT bucket, closed, -SUM(kept), 0 FROM spans GROUP BY bucket, closed"
    )
    with store_errors(), recorder.datastore.transaction(commit=False) as cursor:
        _execute(recorder, cursor, statement, (size, size, head, *topics), topics=len(topics))
        for row in cursor.fetchall():
            yield (
                str(row["bucket"]).lower(),
                int(row["block"]),
                int(row["change"]),
                int(row["events"]),
            )


def last_versions(
    application: CaseTransferApplication, head: int, topics: Sequence[str], buckets: str
) -> dict[UUID, int]:
    """The last version, up to ``head``, of each case in ``buckets``: a pass's cases only."""
    recorder: Any = application.recorder
    position = _position(recorder)
    of_buckets, chosen = _of_buckets(recorder, buckets)
    statement = (
        "SELECT originator_id AS case_id, MAX(originator_version) AS version "
        f"FROM {{table}} WHERE {position} <= {{mark}} AND topic IN ({{topics}}) "
        f"{of_buckets}GROUP BY originator_id"
    )
    last: dict[UUID, int] = {}
    with store_errors(), recorder.datastore.transaction(commit=False) as cursor:
        _execute(
            recorder,
            cursor,
            statement,
            (head, *topics, *chosen),
            topics=len(topics),
            buckets=len(chosen),
        )
        for row in iter(cursor.fetchone, None):  # one row at a time, not a list of them
            last[_uuid(row["case_id"])] = int(row["version"])
    return last


def _position(recorder: Any) -> str:
    return "rowid" if isinstance(recorder, SQLiteAggregateRecorder) else "notification_id"


def _digit(recorder: Any) -> str:
    """SQL for a case id's last hex digit (SQLite stores ids as hex text, PostgreSQL as uuid)."""
    if isinstance(recorder, SQLiteAggregateRecorder):
        return "substr(originator_id, -1)"
    return "right(originator_id::text, 1)"


def _of_buckets(recorder: Any, buckets: str) -> tuple[str, tuple[str, ...]]:
    """The condition keeping only the cases of ``buckets`` (none for every bucket), with
    ``{buckets}`` for its marks, and the values for them."""
    if buckets == BUCKETS:
        return "", ()
    return f"AND {_digit(recorder)} IN ({{buckets}}) ", tuple(buckets)


def select_pass(
    application: CaseTransferApplication,
    *,
    after: int,
    stop: int,
    topics: Sequence[str],
    buckets: str,
) -> list[Notification]:
    """The events at positions after ``after`` up to ``stop`` of the cases in ``buckets``.

    A window of positions, not a count of rows: with a filter on the case, ``ORDER BY
    position LIMIT n`` lets PostgreSQL's planner scan the whole rest of the log for
    every batch; a bounded window costs the same whatever the plan.
    """
    recorder: Any = application.recorder
    position = _position(recorder)
    of_buckets, chosen = _of_buckets(recorder, buckets)
    statement = (
        f"SELECT {position} AS position, originator_id, originator_version, topic, state "
        f"FROM {{table}} WHERE {position} > {{mark}} AND {position} <= {{mark}} "
        f"AND topic IN ({{topics}}) {of_buckets}ORDER BY {position}"
    )
    with store_errors(), recorder.datastore.transaction(commit=False) as cursor:
        _execute(
            recorder,
            cursor,
            statement,
            (after, stop, *topics, *chosen),
            topics=len(topics),
            buckets=len(chosen),
        )
        return [
            Notification(
                id=int(row["position"]),
                originator_id=_uuid(row["originator_id"]),
                originator_version=int(row["originator_version"]),
                topic=row["topic"],
                state=bytes(row["state"]),
            )
            for row in cursor.fetchall()
        ]


def _execute(
    recorder: Any,
    cursor: Any,
    statement: str,
    parameters: tuple[Any, ...],
    *,
    topics: int,
    buckets: int = 0,
) -> None:
    """``statement`` with ``{table}``, ``{mark}`` and ``topics`` and ``buckets`` marks in
    ``{topics}`` and ``{buckets}``, in the recorder's database's dialect."""
    table = recorder.events_table_name
    if isinstance(recorder, SQLiteAggregateRecorder):
        cursor.execute(
            statement.format(
                table=f'"{table}"',
                mark="?",
                topics=", ".join(["?"] * topics),
                buckets=", ".join(["?"] * buckets),
            ),
            parameters,
        )
        return
    from psycopg.sql import SQL, Identifier

    cursor.execute(
        SQL(
            statement.format(
                table="{schema}.{table}",
                mark="%s",
                topics=", ".join(["%s"] * topics),
                buckets=", ".join(["%s"] * buckets),
            )
        ).format(schema=Identifier(recorder.datastore.schema), table=Identifier(table)),
        parameters,
    )


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))
