"""Subscriptions as their owners manage them: register, list, read, delete, ping, rotate
the secret, and read or retry the delivery log.

An authority sees only its own subscriptions; another's is 404, as if it did not
exist. A secret is shown once, when made (registration and rotation); after a
rotation the old secret signs too, for ``overlap``, so receivers can switch without
rejecting a notification.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Engine, Row, select, update
from sqlalchemy.exc import IntegrityError

from service.adapters.log_follower import lock_position
from service.adapters.sql import sql_errors, writing
from service.application.idempotency import key_reused
from service.domain.actors import Actor
from service.domain.notifications import (
    EndpointPolicy,
    Subscriber,
    check_event_types,
    no_such_subscription,
    subscriber_of,
)

from .delivery_log import DeliveryLog
from .sealing import SecretBox
from .sending import Answer, check_endpoint, http_client, post
from .signing import new_secret, signed_headers
from .tables import (
    ACTIVE,
    CANCELLED,
    DELETED,
    NOTIFICATIONS,
    PENDING,
    deliveries,
    subscriptions,
)

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Subscription:
    """A subscription as its owner sees it (never its secrets)."""

    subscription_id: UUID
    url: str
    event_types: list[str] | None
    status: str
    status_reason: str | None
    failing_since: datetime | None
    previous_secret_until: datetime | None
    created_at: datetime
    created_by: str

    @classmethod
    def of(cls, row: Row[Any]) -> Subscription:
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Made:
    """A subscription and its secret, shown when made; ``replayed``: by an earlier request."""

    subscription: Subscription
    secret: str
    replayed: bool = False


def secrets_in_use(row: Row[Any], now: datetime, box: SecretBox) -> list[str]:
    """The current secret, and the previous one while the rotation's overlap lasts."""
    found = [box.open(str(row.secret), row.subscription_id)]
    until = row.previous_secret_until
    if row.previous_secret and until is not None and until > now:
        found.append(box.open(str(row.previous_secret), row.subscription_id))
    return found


class Subscriptions:
    """The subscriptions' use cases over their tables."""

    def __init__(
        self,
        engine: Engine,
        head: Callable[[], int],
        policy: EndpointPolicy,
        *,
        overlap: timedelta,
        timeout: float,
        clock: Clock,
        box: SecretBox,
    ) -> None:
        self.box = box
        self.engine = engine
        self.head = head
        self.policy = policy
        self.overlap = overlap
        self.timeout = timeout
        self.clock = clock
        self.log = DeliveryLog(engine, self.owned_row, clock)

    def register(
        self, actor: Actor, url: str, event_types: Sequence[str] | None, key: str | None = None
    ) -> Made:
        """A new subscription and its secret (shown this once), told of events from now.

        With an Idempotency-Key, a retry of the same request gets the same subscription
        (and its secret) instead of a second one; the key with another body is 422.
        """
        subscriber_of(actor)  # other roles are refused before anything else
        types = check_event_types(event_types)
        digest = hashlib.sha256(json.dumps([url, types]).encode()).hexdigest()
        if key is not None and (replayed := self._registered(actor, key, digest)) is not None:
            return replayed
        check_endpoint(url, self.policy)
        secret = new_secret()
        subscription_id = uuid4()
        try:
            self._insert(actor, subscription_id, url, types, secret, key, digest)
        except IntegrityError:  # a retry that raced the first request with the same key
            replayed = self._registered(actor, key, digest) if key is not None else None
            if replayed is None:
                raise
            return replayed
        return Made(self.get(actor, subscription_id), secret)

    def _insert(
        self,
        actor: Actor,
        subscription_id: UUID,
        url: str,
        types: list[str] | None,
        secret: str,
        key: str | None,
        digest: str,
    ) -> None:
        owner = subscriber_of(actor)
        with sql_errors(), writing(self.engine) as connection:
            # Under the scheduler's position lock: a batch not yet written will see this
            # subscription, and one already written reached no further than the head now.
            scheduled, _ = lock_position(connection, NOTIFICATIONS)
            connection.execute(
                subscriptions.insert().values(
                    subscription_id=subscription_id,
                    owner_role=owner.role,
                    owner_authority=owner.authority,
                    created_by=actor.name,
                    url=url,
                    event_types=types,
                    secret=self.box.seal(secret, subscription_id),
                    from_position=max(self.head(), scheduled),
                    status=ACTIVE,
                    created_at=self.clock(),
                    registration_key=key,
                    registration_sha256=digest if key is not None else None,
                )
            )

    def _registered(self, actor: Actor, key: str, digest: str) -> Made | None:
        query = select(subscriptions).where(
            subscriptions.c.created_by == actor.name,
            subscriptions.c.registration_key == key,
            subscriptions.c.status != DELETED,
        )
        with sql_errors(), self.engine.connect() as connection:
            row = connection.execute(query).one_or_none()
        if row is None:
            return None
        if row.registration_sha256 != digest:
            raise key_reused()
        return Made(Subscription.of(row), self.box.open(row.secret, row.subscription_id), True)

    def owned(self, actor: Actor) -> list[Subscription]:
        owner = subscriber_of(actor)
        query = (
            select(subscriptions)
            .where(*_owned_by(owner), subscriptions.c.status != DELETED)
            .order_by(subscriptions.c.created_at, subscriptions.c.subscription_id)
        )
        with sql_errors(), self.engine.connect() as connection:
            return [Subscription.of(row) for row in connection.execute(query)]

    def get(self, actor: Actor, subscription_id: UUID) -> Subscription:
        return Subscription.of(self.owned_row(actor, subscription_id))

    def delete(self, actor: Actor, subscription_id: UUID) -> None:
        """Stop notifying: the secrets are wiped and pending deliveries cancelled."""
        self.owned_row(actor, subscription_id)
        with sql_errors(), writing(self.engine) as connection:
            connection.execute(
                update(subscriptions)
                .where(subscriptions.c.subscription_id == subscription_id)
                .values(status=DELETED, secret="", previous_secret=None, registration_key=None)
            )
            cancel_pending(connection, subscription_id)

    def rotate_secret(self, actor: Actor, subscription_id: UUID, key: str | None = None) -> Made:
        """A new secret (shown this once); the old one also signs for ``overlap``.

        A retry with the Idempotency-Key of the last rotation gets its answer again: a
        second rotation would retire the one secret the receiver knows.
        """
        row = self.owned_row(actor, subscription_id)
        if key is not None and row.rotation_key == key:
            return Made(Subscription.of(row), self.box.open(row.secret, row.subscription_id), True)
        secret = new_secret()
        with sql_errors(), writing(self.engine) as connection:
            connection.execute(
                update(subscriptions)
                .where(subscriptions.c.subscription_id == subscription_id)
                .values(
                    secret=self.box.seal(secret, subscription_id),
                    previous_secret=row.secret,
                    previous_secret_until=self.clock() + self.overlap,
                    rotation_key=key,
                )
            )
        return Made(self.get(actor, subscription_id), secret)

    def ping(self, actor: Actor, subscription_id: UUID) -> Answer:
        """Send a signed ``ping`` now and say what came of it (not kept in the log)."""
        row = self.owned_row(actor, subscription_id)
        now = self.clock()
        body = json.dumps(
            {
                "type": "ping",
                "timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "data": {"subscription_id": str(subscription_id)},
            },
            sort_keys=True,
            separators=(",", ":"),
        ).encode()
        headers = signed_headers(
            secrets_in_use(row, now, self.box), f"msg_ping_{uuid4().hex}", int(time.time()), body
        )
        with http_client(self.timeout, 1) as client:
            return post(client, str(row.url), headers, body, self.policy)

    def owned_row(self, actor: Actor, subscription_id: UUID) -> Row[Any]:
        owner = subscriber_of(actor)
        query = select(subscriptions).where(
            subscriptions.c.subscription_id == subscription_id,
            subscriptions.c.status != DELETED,
            *_owned_by(owner),
        )
        with sql_errors(), self.engine.connect() as connection:
            row = connection.execute(query).one_or_none()
        if row is None:
            raise no_such_subscription()
        return row


def _owned_by(owner: Subscriber) -> list[Any]:
    return [
        subscriptions.c.owner_role == owner.role,
        subscriptions.c.owner_authority == owner.authority,
    ]


def cancel_pending(connection: Any, subscription_id: UUID) -> None:
    connection.execute(
        update(deliveries)
        .where(deliveries.c.subscription_id == subscription_id, deliveries.c.status == PENDING)
        .values(status=CANCELLED, next_attempt_at=None, lease_owner=None, lease_until=None)
    )
