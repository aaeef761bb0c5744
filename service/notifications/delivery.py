"""Delivering the outbox: claim what is due, send it, record what came of it.

Several workers (``case-transfer deliver`` processes, and ``serve``'s thread in
development) share one outbox without sending anything twice at once. A worker
claims due rows by a lease (``lease_owner``, ``lease_until``) in a short transaction;
on PostgreSQL the claim reads with ``FOR UPDATE SKIP LOCKED``, so workers claiming
together take different rows instead of queueing, and a row another worker has just
leased is re-checked and passed over. The HTTP request is sent outside any
transaction; a worker killed mid-send leaves a lease that expires, and the row is
sent again (at least once; the ``webhook-id`` lets the receiver drop the repeat).

Order per case: a row is due only when no earlier row of the same subscription and
case is still pending, so a case's notifications reach each subscriber in log order
(a delivery given up no longer holds back the ones after it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Connection, Engine, and_, exists, or_, select, update

from service.adapters.sql import sql_errors, writing
from service.domain.notifications import EndpointPolicy, RetrySchedule

from .sealing import SecretBox
from .sending import Answer, http_client, post
from .signing import signed_headers
from .subscriptions import cancel_pending, secrets_in_use
from .tables import (
    ACTIVE,
    DELIVERED,
    DISABLED,
    ENDED,
    FAILED,
    PENDING,
    attempts,
    deliveries,
    subscriptions,
)

logger = logging.getLogger("service.notifications")
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Claimed:
    """A delivery leased to this worker, with what sending it needs."""

    delivery_id: UUID
    subscription_id: UUID
    webhook_id: str
    body: bytes
    url: str
    secrets: list[str]


class Deliverer:
    """Sends due notifications, ``concurrency`` at a time, and records every attempt."""

    def __init__(
        self,
        engine: Engine,
        schedule: RetrySchedule,
        policy: EndpointPolicy,
        *,
        timeout: float,
        concurrency: int,
        clock: Clock,
        box: SecretBox,
    ) -> None:
        self.box = box
        self.engine = engine
        self.schedule = schedule
        self.policy = policy
        self.concurrency = concurrency
        self.clock = clock
        self.owner = uuid4().hex
        self.lease = timedelta(seconds=3 * timeout + 1)  # longer than any one send
        self._client = http_client(timeout, concurrency)
        self._pool = ThreadPoolExecutor(concurrency, thread_name_prefix="deliver")

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self._client.close()

    def deliver_due(self) -> int:
        """Send one round of due notifications; how many were tried."""
        claimed = self.claim()
        if claimed:
            answers = list(self._pool.map(self._send, claimed))
            self.record(list(zip(claimed, answers, strict=True)))
        return len(claimed)

    def claim(self) -> list[Claimed]:
        """Lease up to ``concurrency`` due rows, at most one per subscription and case."""
        now = self.clock()
        earlier = deliveries.alias("earlier")
        held_back = exists().where(
            earlier.c.subscription_id == deliveries.c.subscription_id,
            earlier.c.case_id == deliveries.c.case_id,
            earlier.c.position < deliveries.c.position,
            earlier.c.status == PENDING,
        )
        due = (
            select(deliveries.c.delivery_id)
            .where(
                deliveries.c.status == PENDING,
                deliveries.c.next_attempt_at <= now,
                or_(deliveries.c.lease_until.is_(None), deliveries.c.lease_until < now),
                ~held_back,
                deliveries.c.subscription_id.in_(
                    select(subscriptions.c.subscription_id).where(subscriptions.c.status == ACTIVE)
                ),
            )
            .order_by(deliveries.c.position)
            .limit(self.concurrency)
        )
        with sql_errors(), self.engine.connect() as reading:
            if reading.scalar(due) is None:  # nothing due: no write lock taken (SQLite)
                return []
        with sql_errors(), writing(self.engine) as connection:
            if connection.dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True, of=deliveries)
            ids = list(connection.scalars(due))
            if not ids:
                return []
            connection.execute(
                update(deliveries)
                .where(deliveries.c.delivery_id.in_(ids))
                .values(lease_owner=self.owner, lease_until=now + self.lease)
            )
            rows = connection.execute(
                select(deliveries, subscriptions.c.url, subscriptions.c.secret)
                .add_columns(subscriptions.c.previous_secret, subscriptions.c.previous_secret_until)
                .join(
                    subscriptions,
                    subscriptions.c.subscription_id == deliveries.c.subscription_id,
                )
                .where(deliveries.c.delivery_id.in_(ids))
                .order_by(deliveries.c.position)
            ).all()
        return [
            Claimed(
                row.delivery_id,
                row.subscription_id,
                row.webhook_id,
                row.body.encode(),
                row.url,
                secrets_in_use(row, now, self.box),
            )
            for row in rows
        ]

    def _send(self, claimed: Claimed) -> Answer:
        now = int(time.time())
        headers = signed_headers(claimed.secrets, claimed.webhook_id, now, claimed.body)
        return post(self._client, claimed.url, headers, claimed.body, self.policy)

    def record(self, results: list[tuple[Claimed, Answer]]) -> None:
        """Keep a round's attempts in one transaction (one commit, not one per send)."""
        now = self.clock()
        # Subscriptions' rows are the only ones workers share: touched in one order, two
        # workers recording at once queue on them instead of deadlocking.
        ordered = sorted(results, key=lambda result: str(result[0].subscription_id))
        with sql_errors(), writing(self.engine) as connection:
            for claimed, answer in ordered:
                self._record(connection, claimed, answer, now)
        for claimed, answer in results:
            if answer.gone:
                logger.warning("subscription %s ended: 410 Gone", claimed.subscription_id)

    def _record(
        self, connection: Connection, claimed: Claimed, answer: Answer, now: datetime
    ) -> None:
        """Keep the attempt, and decide what follows: done, retry, give up, end, disable."""
        locked = select(deliveries).where(deliveries.c.delivery_id == claimed.delivery_id)
        if connection.dialect.name == "postgresql":
            locked = locked.with_for_update()
        row = connection.execute(locked).one()
        if row.lease_owner != self.owner or row.status != PENDING:
            return  # the lease ran out and another worker has it now
        attempt = row.attempts + 1
        connection.execute(
            attempts.insert().values(
                delivery_id=claimed.delivery_id,
                attempt=attempt,
                attempted_at=now,
                status_code=answer.status_code,
                latency_ms=answer.latency_ms,
                error=answer.error,
            )
        )
        values: dict[str, Any] = {"attempts": attempt, "lease_owner": None, "lease_until": None}
        if answer.delivered:
            values.update(status=DELIVERED, delivered_at=now, next_attempt_at=None)
            connection.execute(  # no row is locked while the subscription is healthy
                update(subscriptions)
                .where(
                    subscriptions.c.subscription_id == claimed.subscription_id,
                    subscriptions.c.failing_since.is_not(None),
                )
                .values(failing_since=None)
            )
        elif answer.gone:
            values.update(status=FAILED, next_attempt_at=None)
            _end(connection, claimed.subscription_id, ENDED, "The receiver answered 410 Gone.")
        else:
            values.update(self._after_failure(connection, row, claimed, answer, now))
        connection.execute(
            update(deliveries)
            .where(deliveries.c.delivery_id == claimed.delivery_id)
            .values(**values)
        )

    def _after_failure(
        self, connection: Connection, row: Any, claimed: Claimed, answer: Answer, now: datetime
    ) -> dict[str, Any]:
        first = row.first_failed_at or now
        since = connection.scalar(
            select(subscriptions.c.failing_since).where(
                subscriptions.c.subscription_id == claimed.subscription_id
            )
        )
        if since is None:
            _subscription(connection, claimed.subscription_id, failing_since=now)
        elif self.schedule.disables(since, now):
            reason = (
                f"Disabled: every delivery has failed since {since:%Y-%m-%dT%H:%M:%SZ}; "
                f"the last: {answer.error}"
            )
            _end(connection, claimed.subscription_id, DISABLED, reason)
            logger.warning("subscription %s disabled: %s", claimed.subscription_id, reason)
        if self.schedule.gives_up(first, now):
            return {"status": FAILED, "first_failed_at": first, "next_attempt_at": None}
        wait = self.schedule.wait(row.attempts + 1)
        return {"first_failed_at": first, "next_attempt_at": now + wait}


def _subscription(connection: Connection, subscription_id: UUID, **values: Any) -> None:
    connection.execute(
        update(subscriptions)
        .where(subscriptions.c.subscription_id == subscription_id)
        .values(**values)
    )


def _end(connection: Connection, subscription_id: UUID, status: str, reason: str) -> None:
    """Stop notifying a subscription, saying why; what was still to send is cancelled."""
    connection.execute(
        update(subscriptions)
        .where(
            and_(
                subscriptions.c.subscription_id == subscription_id,
                subscriptions.c.status == ACTIVE,
            )
        )
        .values(status=status, status_reason=reason)
    )
    cancel_pending(connection, subscription_id)
