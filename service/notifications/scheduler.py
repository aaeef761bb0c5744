"""Schedules notifications from the event log: an outbox row per subscription per event.

A follower of the log like the read models and the ledger
(``service.adapters.log_follower``): a batch of case events is read and decoded
first; then, in the one transaction that holds the scheduler's position lock, the
active subscriptions are read and a row written for each one told of each event, and
the position moves on. Rows and position commit together, so a crash or a restart
neither loses a notification nor schedules one twice (the unique key on subscription
and position would refuse it anyway).

A subscription is told of the events after the log's head when it was registered
(``from_position``): a subscription registered while the scheduler is behind gets the
same events as if it had been up to date.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from uuid import UUID, uuid4

from eventsourcing.persistence import Notification
from sqlalchemy import Connection, Engine, exists, select

from service.adapters.event_store import store_errors
from service.adapters.log_follower import LogFollower, Prepared, Progress
from service.adapters.sql import sql_errors
from service.application import CaseTransferApplication
from service.domain.case import CASE_TOPICS, Case
from service.domain.notifications import (
    Audience,
    Subscriber,
    audience,
    entitled,
    shown_fields,
    wanted,
)

from .signing import webhook_id
from .tables import ACTIVE, NOTIFICATIONS, PENDING, deliveries, subscriptions

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Told:
    """One case event as notifications see it: where, which case, who may hear of it,
    and what each role of subscriber is told (``bodies``, for the roles in ``told``)."""

    position: int
    case_id: UUID
    case_version: int
    event_type: str
    told: Audience
    bodies: dict[str, str]


def notification_body(event: Case.Event, position: int, data: dict[str, object], role: str) -> str:
    """The JSON a receiver of ``role`` gets, in the Standard Webhooks shape (type,
    timestamp, data)."""
    recorded_at = event.timestamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    fields = {name: _json_value(value) for name, value in shown_fields(data, role).items()}
    document = {
        "type": type(event).__name__,
        "timestamp": recorded_at,
        "data": {
            **fields,
            "case_id": str(event.originator_id),
            "position": position,
            "case_version": event.originator_version,
            "recorded_at": recorded_at,
        },
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def _json_value(value: object) -> object:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, (date, UUID)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_json_value(item) for item in value]
    return str(value)


class NotificationScheduler(LogFollower):
    """Writes the outbox from the log, each event once, in log order."""

    BATCH = 500
    CACHE_SIZE = 2000
    SUBJECT = "the notifications"
    application: CaseTransferApplication

    def __init__(self, application: CaseTransferApplication, engine: Engine, clock: Clock) -> None:
        super().__init__(application, engine, NOTIFICATIONS)
        self.clock = clock
        self._cases: OrderedDict[UUID, Case] = OrderedDict()

    def forget(self) -> None:
        self._cases.clear()

    def catch_up(self, deadline: float | None = None) -> Progress:
        """As every follower, but without taking the position's lock when the log has
        not moved: the delivery loop asks often, and on SQLite that lock is the file's."""
        position, head = self.position(), self.head()
        if position >= head:
            return Progress(position, head, 0)
        return super().catch_up(deadline)

    def prepare(self, target: int | None = None) -> Prepared:
        position = self.position()
        head = self.head()
        stop = head if target is None else min(target, head)
        if position >= stop:
            return Prepared(position, head, position, 0, _schedule([], self.clock))
        if not self._anyone_listening(stop):  # nothing to decode: nobody would be told
            return Prepared(position, head, stop, 0, _schedule([], self.clock))
        with store_errors():
            notifications = self.read_after(position, stop, CASE_TOPICS)
            told = [self._told(notification) for notification in notifications]
        reached = notifications[-1].id if len(notifications) == self.BATCH else stop
        return Prepared(position, head, reached, len(told), _schedule(told, self.clock))

    def _anyone_listening(self, stop: int) -> bool:
        """Whether an active subscription wants events below ``stop``. One registered
        later has a ``from_position`` at or above ``stop``, so skipping is safe."""
        query = select(
            exists().where(subscriptions.c.status == ACTIVE, subscriptions.c.from_position < stop)
        )
        with sql_errors(), self.engine.connect() as connection:
            return bool(connection.scalar(query))

    def _told(self, notification: Notification) -> Told:
        event = self.application.mapper.to_domain_event(notification)
        assert isinstance(event, Case.Event)
        case_id = event.originator_id
        before = None if event.originator_version == 1 else self._case_before(event)
        case = event.mutate(before)
        assert case is not None
        self._cases[case_id] = case
        self._cases.move_to_end(case_id)
        while len(self._cases) > self.CACHE_SIZE:
            self._cases.popitem(last=False)
        data = {k: v for k, v in vars(event).items() if not k.startswith(("originator", "actor"))}
        told = audience(case, data)
        return Told(
            position=notification.id,
            case_id=case_id,
            case_version=event.originator_version,
            event_type=type(event).__name__,
            told=told,
            bodies={
                role: notification_body(event, notification.id, data, role) for role in told.roles()
            },
        )

    def _case_before(self, event: Case.Event) -> Case:
        cached = self._cases.get(event.originator_id)
        if cached is not None and cached.version == event.originator_version - 1:
            return cached
        case: Case = self.application.repository.get(
            event.originator_id, version=event.originator_version - 1
        )
        return case


def _schedule(told: Sequence[Told], clock: Clock) -> Callable[[Connection], None]:
    return partial(_write_outbox, list(told), clock)


def _write_outbox(told: list[Told], clock: Clock, connection: Connection) -> None:
    """The outbox rows for ``told``, for every active subscription entitled to each."""
    if not told:
        return
    listening = connection.execute(
        select(
            subscriptions.c.subscription_id,
            subscriptions.c.owner_role,
            subscriptions.c.owner_authority,
            subscriptions.c.event_types,
            subscriptions.c.from_position,
        ).where(subscriptions.c.status == ACTIVE)
    ).all()
    now = clock()
    rows = [
        {
            "delivery_id": uuid4(),
            "subscription_id": sub.subscription_id,
            "position": event.position,
            "case_id": event.case_id,
            "case_version": event.case_version,
            "event_type": event.event_type,
            "webhook_id": webhook_id(sub.subscription_id, event.position),
            "body": event.bodies[sub.owner_role],
            "status": PENDING,
            "attempts": 0,
            "scheduled_at": now,
            "next_attempt_at": now,
        }
        for event in told
        for sub in listening
        if sub.from_position < event.position
        and wanted(event.event_type, sub.event_types)
        and entitled(Subscriber(sub.owner_role, sub.owner_authority), event.told)
    ]
    if rows:
        connection.execute(deliveries.insert(), rows)
