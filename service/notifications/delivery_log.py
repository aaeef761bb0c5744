"""The delivery log of a subscription, and retrying a delivery by hand.

Newest event first, each delivery with every attempt (status, latency, error) and its
next try; only the subscription's owner reads it (``Subscriptions.owned_row``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Engine, Row, select, update

from service.adapters.sql import sql_errors, writing
from service.application import cursors
from service.domain.actors import Actor
from service.domain.errors import RuleViolation
from service.domain.notifications import no_such_delivery

from .tables import ACTIVE, CANCELLED, DELIVERED, PENDING, attempts, deliveries

MAX_DELIVERIES_PAGE = 100
ATTEMPT_FIELDS = ("attempt", "attempted_at", "status_code", "latency_ms", "error")
OwnedRow = Callable[[Actor, UUID], Row[Any]]


@dataclass(frozen=True)
class Delivery:
    """One notification of one event to one subscription, and every attempt so far."""

    delivery_id: UUID
    webhook_id: str
    event_type: str
    case_id: UUID
    position: int
    case_version: int
    status: str
    scheduled_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    attempts: list[dict[str, Any]]


class DeliveryLog:
    """Reads a subscription's deliveries and sends a failed one again."""

    def __init__(self, engine: Engine, owned_row: OwnedRow, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.owned_row = owned_row
        self.clock = clock

    def page(
        self, actor: Actor, subscription_id: UUID, *, cursor: str | None, limit: int
    ) -> tuple[list[Delivery], str | None]:
        """The delivery log, newest event first, each delivery with its attempts."""
        self.owned_row(actor, subscription_id)
        cursors.check_limit(limit, MAX_DELIVERIES_PAGE)
        filters = cursors.filters_digest("deliveries", str(subscription_id))
        before = cursors.read_cursor(cursor, filters, 1, lambda key: int(key[0]))
        query = select(deliveries).where(deliveries.c.subscription_id == subscription_id)
        if before is not None:
            query = query.where(deliveries.c.position < before)
        query = query.order_by(deliveries.c.position.desc()).limit(limit + 1)
        with sql_errors(), self.engine.connect() as connection:
            rows = connection.execute(query).all()
            shown, following = cursors.page(rows, limit, filters, lambda r: [str(r.position)])
            return _with_attempts(connection, shown), following

    def retry(self, actor: Actor, subscription_id: UUID, delivery_id: UUID) -> Delivery:
        """Try a failed (or waiting) delivery again now, its retry window started afresh."""
        subscription = self.owned_row(actor, subscription_id)
        if subscription.status != ACTIVE:
            raise RuleViolation(
                f"The subscription is {subscription.status}: {subscription.status_reason}",
                code="subscription-not-active",
            )
        one = select(deliveries).where(
            deliveries.c.delivery_id == delivery_id,
            deliveries.c.subscription_id == subscription_id,
        )
        with sql_errors(), writing(self.engine) as connection:
            row = connection.execute(one).one_or_none()
            if row is None:
                raise no_such_delivery()
            if row.status == DELIVERED:
                raise RuleViolation("This delivery was delivered.", code="delivery-delivered")
            if row.status == CANCELLED:
                raise RuleViolation(
                    "This delivery was cancelled with its subscription's endpoint.",
                    code="delivery-cancelled",
                )
            connection.execute(
                update(deliveries)
                .where(deliveries.c.delivery_id == delivery_id)
                .values(status=PENDING, next_attempt_at=self.clock(), first_failed_at=None)
            )
            [retried] = _with_attempts(connection, [connection.execute(one).one()])
        return retried


def _with_attempts(connection: Connection, rows: Sequence[Row[Any]]) -> list[Delivery]:
    """The deliveries of ``rows``, each with its attempts, oldest attempt first."""
    tries = connection.execute(
        select(attempts)
        .where(attempts.c.delivery_id.in_([row.delivery_id for row in rows]))
        .order_by(attempts.c.delivery_id, attempts.c.attempt)
    ).all()
    by_delivery: dict[UUID, list[dict[str, Any]]] = {}
    for attempt in tries:
        by_delivery.setdefault(attempt.delivery_id, []).append(
            {name: getattr(attempt, name) for name in ATTEMPT_FIELDS}
        )
    names = [name for name in Delivery.__dataclass_fields__ if name != "attempts"]
    return [
        Delivery(
            **{name: getattr(row, name) for name in names},
            attempts=by_delivery.get(row.delivery_id, []),
        )
        for row in rows
    ]
