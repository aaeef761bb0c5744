"""Feeds the ledger: every event of the log, in log order, hashed into the chain.

Every notification is chained (a case's events, the child index's and the remembered
requests'), so no entry of the log can be removed or slipped in unnoticed, whatever
aggregate it belongs to. The hashes are ``service.audit.chain``'s.

The discipline is the read models' (``service.projections.runner``): each batch reads
the log's head first, then the events after the position up to it, hashes them, and
in one transaction that locks the ``ledger`` row of ``rm_positions`` (FOR UPDATE on
PostgreSQL; SQLite's write lock at BEGIN) appends their links and moves the position
on. Links and position commit together, so a crash never chains an event twice, and
replicas queue on the row lock instead of interleaving. PostgreSQL assigns
notification ids in commit order under a table lock (DESIGN.md): once the head is
seen, nothing below it can still appear, so a gap the ledger steps over stays a gap.

Unlike a read model the ledger is never rebuilt (``case-transfer replay`` leaves it
alone): rebuilt from an altered store it would vouch for the alteration. An event
appended at the very end, before the ledger has chained it, cannot be told from a
real one; the ledger is fed continuously (a background thread in every API process,
and each checkpoint request catches it up) and the checkpoints partners keep
narrow that window.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from eventsourcing.persistence import Mapper, MapperDeserialisationError, Notification
from eventsourcing.utils import TopicError
from sqlalchemy import Connection, select, update
from sqlalchemy.exc import OperationalError

from service.application import CaseTransferApplication, StoreUnavailableError, store_errors
from service.domain.actors import AUDITOR, AUTHORITY, MASH, Actor
from service.domain.errors import Forbidden
from service.projections.database import is_lock_timeout, writing
from service.projections.runner import (
    LogFollower,
    Progress,
    ReadModelsBehindError,
    read_model_errors,
)
from service.projections.tables import LEDGER, ledger, positions

from .chain import GENESIS, EventFacts, Link, chain_sha256, event_sha256, link
from .signing import Checkpoint, PublishedKey, SigningKeys


class UndecodableEventError(Exception):
    """Raised when a stored event cannot be decoded to learn when it was recorded."""


def facts_of(mapper: Mapper[UUID], notification: Notification) -> EventFacts:
    """What the chain hashes of ``notification`` besides its bytes: its recorded time is
    the decoded event's timestamp, so the bytes must decode (and decrypt)."""
    try:
        event = mapper.to_domain_event(notification)
    except (MapperDeserialisationError, TopicError, ValueError, TypeError) as error:
        cause = error.__cause__ or error  # the mapper's message repeats the event's ids
        raise UndecodableEventError(f"{type(cause).__name__}: {cause}"[:200]) from error
    timestamp = getattr(event, "timestamp", None)
    if not isinstance(timestamp, datetime) or timestamp.utcoffset() is None:
        raise UndecodableEventError("the event has no aware timestamp")
    originator_id = notification.originator_id
    return EventFacts(
        position=notification.id,
        originator_id=originator_id if isinstance(originator_id, UUID) else UUID(originator_id),
        originator_version=notification.originator_version,
        topic=notification.topic,
        recorded_at=timestamp,
    )


def row_of(entry: Link) -> dict[str, object]:
    """The ledger table's row for one link."""
    facts = entry.facts
    return {
        "position": facts.position,
        "originator_id": facts.originator_id,
        "originator_version": facts.originator_version,
        "topic": facts.topic,
        "recorded_at": facts.recorded_at,
        "event_sha256": entry.event_sha256,
        "chain_sha256": entry.chain_sha256,
    }


@dataclass(frozen=True)
class Tip:
    """The ledger's position and the chain over every event up to it (one snapshot)."""

    position: int
    chain_sha256: bytes


class LedgerProjector(LogFollower):
    """Appends the log's new events to the ledger, each exactly once, in log order."""

    BATCH = 500
    SUBJECT = "the ledger's entries"

    def position(self) -> int:
        """The log position the ledger has chained up to (committed)."""
        return self.tip().position

    def tip(self) -> Tip:
        """The position and the chain there, read in one statement (one snapshot)."""
        last = (
            select(ledger.c.chain_sha256)
            .where(ledger.c.position <= positions.c.position)
            .order_by(ledger.c.position.desc())
            .limit(1)
            .scalar_subquery()
        )
        statement = select(positions.c.position, last).where(positions.c.name == LEDGER)
        with read_model_errors(), self.engine.connect() as connection:
            row = connection.execute(statement).one()
        return Tip(int(row[0]), bytes(row[1]) if row[1] is not None else GENESIS)

    def _batch(self, deadline: float | None = None) -> Progress:
        """Chain up to BATCH events after the position and move the position on.

        The events are read and hashed *before* the transaction that writes them, as
        the read models' projector does: on SQLite that transaction holds the file's
        write lock, and reading the log needs a connection from the event store's
        pool, which this process's writers may all hold while they wait for that very
        lock. Under the lock the position is checked again; if another process moved
        it meanwhile, nothing is written and the next batch starts from there. The
        chain value read with the position stays right while the position does: rows
        are only ever appended under the lock.

        With a ``deadline`` the lock is waited for only until then: another process
        holding it past the deadline is ReadModelsBehindError, not a store outage.
        """
        tip = self.tip()
        head = self.head()
        if tip.position >= head:
            return Progress(tip.position, head, 0)
        with store_errors():
            notifications = self.application.recorder.select_notifications(
                start=tip.position, stop=head, limit=self.BATCH, inclusive_of_start=False
            )
        reached = notifications[-1].id if len(notifications) == self.BATCH else head
        links = chain_links(tip.chain_sha256, notifications, self.facts)
        lock_wait = None if deadline is None else max(0.001, deadline - time.monotonic())
        try:
            with writing(self.engine, lock_wait=lock_wait) as connection:
                locked, applied = self._locked_position(connection)
                if locked != tip.position:
                    return Progress(locked, head, 0)
                if links:
                    connection.execute(ledger.insert(), [row_of(entry) for entry in links])
                connection.execute(
                    update(positions)
                    .where(positions.c.name == LEDGER)
                    .values(position=reached, events_applied=applied + len(links))
                )
                return Progress(reached, head, len(links))
        except OperationalError as error:
            if lock_wait is not None and is_lock_timeout(error):
                raise ReadModelsBehindError("another process is updating the ledger") from error
            raise StoreUnavailableError(str(error.orig)) from error

    def facts(self, notification: Notification) -> EventFacts:
        return facts_of(self.application.mapper, notification)

    def _locked_position(self, connection: Connection) -> tuple[int, int]:
        statement = select(positions.c.position, positions.c.events_applied).where(
            positions.c.name == LEDGER
        )
        if connection.dialect.name == "postgresql":
            statement = statement.with_for_update()
        row = connection.execute(statement).one()
        return int(row.position), int(row.events_applied)


def chain_links(
    previous: bytes,
    notifications: Sequence[Notification],
    facts: Callable[[Notification], EventFacts],
) -> list[Link]:
    """The links of ``notifications`` (in log order) after the chain value ``previous``."""
    links = []
    for notification in notifications:
        entry = link(previous, facts(notification), notification.state)
        links.append(entry)
        previous = entry.chain_sha256
    return links


@dataclass(frozen=True)
class StoredLink:
    """An event of the store as recomputed now; hashes are None where bytes do not decode."""

    notification: Notification
    recorded_at: datetime | None
    event_sha256: bytes | None
    chain_sha256: bytes | None
    problem: str | None = None

    @property
    def position(self) -> int:
        return self.notification.id


def recompute(
    application: CaseTransferApplication,
    *,
    stop: int,
    batch: int = 1000,
    show: Callable[[int, int], None] | None = None,
) -> Iterator[StoredLink]:
    """The chain recomputed from the store up to ``stop``, in log order, writing nothing.

    ``show`` is told (position, stop) after each batch. After an event whose bytes do
    not decode the chain cannot go on (its recorded time is unknown): later events
    keep their own hash but have no chain value.
    """
    previous: bytes | None = GENESIS
    position = 0
    while position < stop:
        with store_errors():
            notifications = application.recorder.select_notifications(
                start=position, stop=stop, limit=batch, inclusive_of_start=False
            )
        if not notifications:
            break
        for notification in notifications:
            try:
                facts = facts_of(application.mapper, notification)
            except UndecodableEventError as error:
                previous = None
                yield StoredLink(notification, None, None, None, str(error))
                continue
            own = event_sha256(facts, notification.state)
            previous = chain_sha256(previous, own) if previous is not None else None
            yield StoredLink(notification, facts.recorded_at, own, previous)
        position = notifications[-1].id
        if show is not None:
            show(position, stop)


class Checkpoints:
    """The checkpoint route's use case: who may ask, catch the ledger up, sign its tip."""

    def __init__(
        self,
        projector: LedgerProjector,
        keys: SigningKeys,
        *,
        clock: Callable[[], datetime],
        wait_seconds: float,
    ) -> None:
        self.projector = projector
        self.keys = keys
        self.clock = clock
        self.wait_seconds = wait_seconds

    def issue(self, actor: Actor) -> Checkpoint:
        """A signed checkpoint covering every event recorded before the call began.

        Authorities (partners who keep checkpoints) and auditors only: a MASH looks
        children up and has no use for proofs about the whole record.
        """
        if actor.role == MASH:
            raise Forbidden(
                "A MASH principal reads cases; ledger checkpoints are for authorities "
                "and auditors.",
                code="ledger-not-for-mash",
            )
        if actor.role not in (AUTHORITY, AUDITOR):
            raise Forbidden(f"A {actor.role} principal may not ask for ledger checkpoints.")
        self.projector.wait_for(self.projector.head(), self.wait_seconds)
        tip = self.projector.tip()
        return self.keys.sign(tip.position, tip.chain_sha256, self.clock())

    def published_keys(self) -> list[PublishedKey]:
        return self.keys.published()
