"""Exports of case events, as JSON Lines or CSV, the same bytes every time.

A practice review may export a case today and again in a year, or two partners may
export the same record and compare: the same store must give the same file, byte
for byte, so a digest of it proves two copies agree. So every line is canonical
JSON (sorted keys, no spaces, UTF-8, instants in UTC with microseconds and ``Z``),
lines end in "\\n", rows come in log order, and nothing says when the export ran.

An export holds the fields of the event feed (``service.audit.feed``): position,
case, event type, version, recorded time, actor and data. In CSV the data is one
column of canonical JSON, under a fixed header, so a spreadsheet opens it and a
program still reads the data exactly.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from service.adapters.event_store import store_errors
from service.application import CaseTransferApplication
from service.domain.actors import Actor

from .feed import RecordedEvent, case_positions, log_pages


class Format(Enum):
    JSONL = "jsonl"
    CSV = "csv"


CSV_HEADER = (
    "position",
    "case_id",
    "type",
    "version",
    "recorded_at",
    "actor_name",
    "actor_role",
    "actor_authority",
    "data",
)
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


def instant(value: datetime) -> str:
    """An instant in the one format exports use: UTC, microseconds, ``Z``."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(value: Any) -> Any:
    """``value`` as plain JSON values, each type always written one way."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value  # json writes the shortest repr that reads back the same float
    if isinstance(value, datetime):
        return instant(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    raise TypeError(f"no canonical form for {type(value).__name__}")


def canonical_json(value: Any) -> str:
    return json.dumps(
        canonical(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def as_record(event: RecordedEvent) -> dict[str, Any]:
    """An event as one JSON object: the feed's fields."""
    return {
        "position": event.position,
        "case_id": event.case_id,
        "type": event.type,
        "version": event.version,
        "recorded_at": event.recorded_at,
        "actor": {
            "name": event.actor.name,
            "role": event.actor.role,
            "authority": event.actor.authority,
        },
        "data": event.data,
    }


def lines(events: Iterable[RecordedEvent], form: Format) -> Iterator[str]:
    """The export's text, a line at a time (a CSV begins with its header)."""
    if form is Format.JSONL:
        for event in events:
            yield canonical_json(as_record(event)) + "\n"
        return
    yield _csv_line(CSV_HEADER)
    for event in events:
        yield _csv_line(
            (
                str(event.position),
                str(event.case_id),
                event.type,
                str(event.version),
                instant(event.recorded_at),
                event.actor.name,
                event.actor.role,
                event.actor.authority or "",
                canonical_json(event.data),
            )
        )


def csv_document(events: Iterable[RecordedEvent]) -> str:
    """A whole CSV export (one case's history, as the API answers ``text/csv``)."""
    return "".join(lines(events, Format.CSV))


def _csv_line(fields: tuple[str, ...]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerow(fields)
    return buffer.getvalue()


def known_at(events: Iterable[RecordedEvent], as_known_at: datetime | None) -> list[RecordedEvent]:
    """Only the events recorded up to ``as_known_at`` (all of them when None)."""
    if as_known_at is None:
        return list(events)
    return [e for e in events if e.recorded_at <= as_known_at]


def case_events(
    application: CaseTransferApplication,
    actor: Actor,
    case_id: UUID,
    *,
    as_known_at: datetime | None = None,
) -> list[RecordedEvent]:
    """One case's events with their log positions, for a party or an auditor."""
    events = application.history(actor, case_id)  # who may read it, as the history route
    positions = case_positions(application, case_id)
    return known_at(
        (RecordedEvent.of(e, positions[e.originator_version]) for e in events), as_known_at
    )


Progress = Callable[[int, int], None]
"""Told (position reached, position the export ends at) after each batch."""


def store_events(
    application: CaseTransferApplication,
    *,
    as_known_at: datetime | None = None,
    progress: Progress | None = None,
) -> Iterator[RecordedEvent]:
    """Every case event of the store, in log order, up to the log's head when it starts.

    Stopping at the head read first makes the export one fixed extent of the log,
    however many cases are being changed while it runs.
    """
    with store_errors():
        head = int(application.recorder.max_notification_id() or 0)
    if progress is not None:
        progress(0, head)
    for batch, reached in log_pages(application, stop=head):
        yield from known_at(batch, as_known_at)
        if progress is not None:
            progress(reached, head)
