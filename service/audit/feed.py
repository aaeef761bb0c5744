"""The event feed: every case event of every case, in log order, for auditors to follow.

A position is the event log's own notification id, so it survives restarts, backups
and replicas, and one number resumes a follower wherever it stopped.

Following the feed never skips or repeats an event while cases are being changed:
a page first reads the log's head, then only events up to it. Every event at or
below the head has committed, and none can later appear below it: PostgreSQL
assigns ids under a table lock, in commit order (DESIGN.md, never
``POSTGRES_ENABLE_DB_FUNCTIONS``), and SQLite has one writer at a time. So a page
that reached the head can say so (``last_position`` is the head, even when the last
entries there were not case events), and the next page starts above it.

Only case events are listed: the child index's entries would reveal a keyed digest
of an NHS number, and remembered requests say nothing a review needs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification

from service.adapters.event_store import store_errors
from service.application import CaseTransferApplication, cursors
from service.domain.access import require_feed_reader
from service.domain.actors import Actor
from service.domain.case import CASE_TOPICS, Case
from service.domain.errors import InvalidInput

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_POSITION = 2**63 - 1
"""The largest position a store can hold (a PostgreSQL bigint); beyond it is refused."""

_HIDDEN = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic"})
_ACTOR_FIELDS = frozenset({"actor_name", "actor_role", "actor_authority"})


def event_data(event: Case.Event) -> dict[str, Any]:
    """What an event says beyond which case, which version, who and when: its own fields.

    The history route and the feed show the same, so a reviewer reading either sees
    one record.
    """
    return {k: v for k, v in vars(event).items() if k not in _HIDDEN | _ACTOR_FIELDS}


@dataclass(frozen=True)
class RecordedEvent:
    """One case event as the record holds it: where in the log, which case, who, when."""

    position: int
    case_id: UUID
    type: str
    version: int
    recorded_at: datetime
    actor: Actor
    data: dict[str, Any]

    @classmethod
    def of(cls, event: Case.Event, position: int) -> RecordedEvent:
        return cls(
            position=position,
            case_id=event.originator_id,
            type=type(event).__name__,
            version=event.originator_version,
            recorded_at=event.timestamp.astimezone(UTC),
            actor=event.actor,
            data=event_data(event),
        )


@dataclass(frozen=True)
class FeedPage:
    """A page of the feed and where to resume: ``last_position`` always, and ``more``
    when the page was cut short by its limit (the next page may not be empty)."""

    events: list[RecordedEvent]
    last_position: int
    more: bool


def read_feed(
    application: CaseTransferApplication, actor: Actor, *, after: int | None, limit: int
) -> FeedPage:
    """The case events after position ``after`` (from the start when None), for auditors."""
    require_feed_reader(actor)
    cursors.check_limit(limit, MAX_LIMIT)
    start = check_position(after)
    with store_errors():
        head = int(application.recorder.max_notification_id() or 0)
        if start >= head:
            return FeedPage([], start, more=False)
        notifications = application.recorder.select_notifications(
            start=start, stop=head, limit=limit, topics=CASE_TOPICS, inclusive_of_start=False
        )
        events = [decode(application, n) for n in notifications]
    if len(notifications) == limit and notifications[-1].id < head:
        return FeedPage(events, notifications[-1].id, more=True)
    return FeedPage(events, head, more=False)


def log_pages(
    application: CaseTransferApplication, *, stop: int, batch: int = 500
) -> Iterator[tuple[list[RecordedEvent], int]]:
    """Every case event up to position ``stop``, a batch at a time, with the position each
    batch reached (for an export's progress)."""
    position = 0
    while position < stop:
        with store_errors():
            notifications = application.recorder.select_notifications(
                start=position, stop=stop, limit=batch, topics=CASE_TOPICS, inclusive_of_start=False
            )
            events = [decode(application, n) for n in notifications]
        position = notifications[-1].id if len(notifications) == batch else stop
        yield events, position


def case_positions(application: CaseTransferApplication, case_id: UUID) -> dict[int, int]:
    """Each version of a case and its position in the log, read by the events table's key.

    The recorders find a case's events (``select_events``) without their positions,
    and the log's notifications without filtering by case: this one statement, on
    the tables as eventsourcing 9.5 lays them out (SQLite's ``rowid``, PostgreSQL's
    ``notification_id``), gives a single case's export the positions the feed shows.
    """
    recorder: Any = application.recorder
    table = recorder.events_table_name
    with store_errors(), recorder.datastore.transaction(commit=False) as cursor:
        if _is_sqlite(recorder):
            cursor.execute(
                f'SELECT originator_version, rowid AS position FROM "{table}" '
                "WHERE originator_id = ?",
                (case_id.hex,),
            )
        else:
            from psycopg.sql import SQL, Identifier

            key = case_id if recorder.datastore.originator_id_type == "uuid" else str(case_id)
            cursor.execute(
                SQL(
                    "SELECT originator_version, notification_id AS position "
                    "FROM {schema}.{table} WHERE originator_id = %s"
                ).format(schema=Identifier(recorder.datastore.schema), table=Identifier(table)),
                (key,),
            )
        return {int(row["originator_version"]): int(row["position"]) for row in cursor.fetchall()}


def decode(application: CaseTransferApplication, notification: Notification) -> RecordedEvent:
    """A notification of the log as a recorded case event (decrypted by the mapper)."""
    event = application.mapper.to_domain_event(notification)
    assert isinstance(event, Case.Event)
    return RecordedEvent.of(event, notification.id)


def check_position(after: int | None) -> int:
    """A position to read after: 0 (the start) when None; refuses one no log can hold."""
    if after is None:
        return 0
    if isinstance(after, bool) or not 0 <= after <= MAX_POSITION:
        raise InvalidInput(
            f"after must be a log position from 0 to {MAX_POSITION}.", code="invalid-position"
        )
    return after


def _is_sqlite(recorder: Any) -> bool:
    # Imported here so that a SQLite deployment never loads the PostgreSQL driver.
    from eventsourcing.sqlite import SQLiteAggregateRecorder

    return isinstance(recorder, SQLiteAggregateRecorder)
