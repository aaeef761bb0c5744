"""Feeds the ledger: every event of the log, in log order, hashed into the chain.

Every notification is chained (a case's events, the child index's and the remembered
requests'), so no entry of the log can be removed or slipped in unnoticed, whatever
aggregate it belongs to. The hashes are ``service.audit.chain``'s. The ledger follows
the log as the read models do (``service.adapters.log_follower``): links and position
commit together, so a crash never chains an event twice, and replicas queue on the
row lock instead of interleaving.

Unlike a read model the ledger is never rebuilt (``case-transfer replay`` leaves it
alone): rebuilt from an altered store it would vouch for the alteration. An event
appended at the very end, before the ledger has chained it, cannot be told from a
real one; the ledger is fed continuously (a background thread in every API process,
and each checkpoint request catches it up) and the checkpoints partners keep
narrow that window.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import Mapper, MapperDeserialisationError, Notification
from eventsourcing.utils import TopicError
from sqlalchemy import Connection, Engine, select

from service.adapters.log_follower import LogFollower, Prepared
from service.adapters.sql import sql_errors
from service.adapters.tables import LEDGER, ledger, positions
from service.domain.access import require_checkpoint_reader
from service.domain.actors import Actor

from .chain import GENESIS, EventFacts, Link, link
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

    def __init__(self, application: Application[UUID], engine: Engine) -> None:
        super().__init__(application, engine, LEDGER)

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
        with sql_errors(), self.engine.connect() as connection:
            row = connection.execute(statement).one()
        return Tip(int(row[0]), bytes(row[1]) if row[1] is not None else GENESIS)

    def prepare(self, target: int | None = None) -> Prepared:
        """Read and hash up to BATCH events after the ledger's tip.

        The chain value read with the position stays right while the position does:
        rows are only ever appended under the position's lock.
        """
        tip = self.tip()
        head = self.head()
        if tip.position >= head:
            return Prepared(tip.position, head, tip.position, 0, _append([]))
        notifications = self.read_after(tip.position, head)
        reached = notifications[-1].id if len(notifications) == self.BATCH else head
        links = chain_links(tip.chain_sha256, notifications, self.facts)
        return Prepared(tip.position, head, reached, len(links), _append(links))

    def facts(self, notification: Notification) -> EventFacts:
        return facts_of(self.application.mapper, notification)


def _append(links: list[Link]) -> Callable[[Connection], None]:
    return partial(_insert_links, links)


def _insert_links(links: list[Link], connection: Connection) -> None:
    if links:
        connection.execute(ledger.insert(), [row_of(entry) for entry in links])


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
        require_checkpoint_reader(actor)
        self.projector.wait_for(self.projector.head(), self.wait_seconds)
        tip = self.projector.tip()
        return self.keys.sign(tip.position, tip.chain_sha256, self.clock())

    def published_keys(self) -> list[PublishedKey]:
        return self.keys.published()
