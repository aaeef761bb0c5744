"""Response bodies of the audit routes: the event feed and the access log."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, TypeAlias
from uuid import UUID

from pydantic import BaseModel, Field

from service.audit.access_log import Access, AccessPage
from service.audit.feed import FeedPage, RecordedEvent

from .common import Actor, utc
from .history_data import EventData
from .history_entries import discriminated, variants
from .lists import NEXT


class FeedEventFields(BaseModel):
    """What every entry of the feed has; each event type narrows ``type`` and ``data``
    (``history_entries.variants``), as in a case's history."""

    position: int = Field(description="The event's position in the log: stable, increasing")
    case_id: UUID
    type: str = Field(description="The event, e.g. CaseOpened, ResponsibilityAccepted")
    version: int = Field(description="The case's version this event made")
    recorded_at: datetime
    actor: Actor
    data: EventData


FEED_EVENTS = variants(FeedEventFields, "FeedEvent")
"""The feed entry model of each event type, by type."""

# A union made at run time from ``history_data.EVENT_DATA``: a type checker sees the
# fields every variant has.
if TYPE_CHECKING:
    FeedEvent: TypeAlias = FeedEventFields
else:
    FeedEvent = discriminated(FEED_EVENTS)


def feed_event(event: RecordedEvent) -> FeedEventFields:
    """One case event as the feed lists it; ``data`` is as the case's history shows it."""
    return FEED_EVENTS[event.type](
        position=event.position,
        case_id=event.case_id,
        type=event.type,
        version=event.version,
        recorded_at=utc(event.recorded_at),
        actor=Actor(name=event.actor.name, role=event.actor.role, authority=event.actor.authority),
        data=event.data,
    )


class EventFeed(BaseModel):
    """A page of the feed. Resume from ``last_position`` (send it as ``after``) whether
    or not ``next`` is set: it is where this page stopped reading the log."""

    events: list[FeedEvent]
    last_position: int = Field(
        description="The log position this page read up to: pass it as `after` to follow "
        "the feed from here (also when the page is empty or short)"
    )
    next: int | None = Field(
        description="Set (to last_position) when the page was cut short by `limit` and "
        "more events may follow at once; null when the feed has caught up with the log"
    )

    @classmethod
    def of(cls, page: FeedPage) -> EventFeed:
        return cls(
            events=[feed_event(e) for e in page.events],
            last_position=page.last_position,
            next=page.last_position if page.more else None,
        )


class AccessEntry(BaseModel):
    """One read of a case by a MASH or auditor principal."""

    entry_id: int
    recorded_at: datetime = Field(description="When the case was read (the service's clock)")
    principal: Actor = Field(description="Who read it: principal name, role and authority")
    case_id: UUID
    route: str = Field(description="Method and route template, e.g. GET /v1/cases/{case_id}")

    @classmethod
    def of(cls, access: Access) -> AccessEntry:
        return cls(
            entry_id=access.entry_id,
            recorded_at=utc(access.recorded_at),
            principal=Actor(name=access.principal, role=access.role, authority=access.authority),
            case_id=access.case_id,
            route=access.route,
        )


class AccessLogPage(BaseModel):
    """Recorded reads, newest first."""

    items: list[AccessEntry]
    next: str | None = Field(None, description=NEXT)

    @classmethod
    def of(cls, page: AccessPage) -> AccessLogPage:
        return cls(items=[AccessEntry.of(a) for a in page.items], next=page.next_cursor)
