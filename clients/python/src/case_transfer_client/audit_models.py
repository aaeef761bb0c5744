"""The audit views: the event feed, the access log and the ledger's checkpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from .event_data import EventData
from .models import Actor, CursorPage, Event, Page, View


class FeedEvent(Event):
    """One event of the feed; ``data`` is typed by ``type``, as in a case's history."""

    position: int
    case_id: UUID
    type: str
    version: int
    recorded_at: datetime
    actor: Actor
    data: EventData


class EventFeed(Page[FeedEvent]):
    """A page of the event feed. Follow it from ``last_position`` (as ``after``)."""

    events: list[FeedEvent]
    last_position: int
    next: int | None

    def entries(self) -> list[FeedEvent]:
        return self.events

    def following(self) -> dict[str, Any] | None:
        return {"after": self.next} if self.next is not None else None


class AccessEntry(View):
    entry_id: int
    recorded_at: datetime
    principal: Actor
    case_id: UUID
    route: str


class AccessLogPage(CursorPage[AccessEntry]):
    pass


class LedgerCheckpoint(View):
    """Keep it as received: the fields are exactly the strings that were signed."""

    position: int
    chain_hash: str
    issued_at: str
    key_id: str
    signature: str


class LedgerKey(View):
    key_id: str
    algorithm: str
    public_key: str
    current: bool


class LedgerKeys(View):
    items: list[LedgerKey]
