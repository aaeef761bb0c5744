"""The comparison behind ``verify``: the store's recomputed chain against the ledger's.

Pure: it reads what it is given (the store's links, the ledger's links) and asks a
``Lookup`` (``verify.LedgerLookup`` reads the ledger table) only to name a
disagreement once found. The kinds of finding are listed in ``verify``'s docstring.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from eventsourcing.persistence import Notification

from .chain import GENESIS, chain_sha256
from .signing import Checkpoint


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


@dataclass(frozen=True)
class LedgerLink:
    """A ledger row as the comparison reads it: only what the chain needs."""

    position: int
    event_sha256: bytes
    chain_sha256: bytes


@dataclass(frozen=True)
class LedgerRow:
    """A whole row of the ledger table, read to name a disagreement."""

    position: int
    originator_id: UUID
    originator_version: int
    topic: str
    recorded_at: datetime
    event_sha256: bytes
    chain_sha256: bytes

    def described(self) -> str:
        return _described(self.topic, self.originator_id, self.originator_version)


@dataclass(frozen=True)
class Finding:
    """The first disagreement: where, what kind (see the module docstring), and what."""

    position: int | None
    kind: str
    detail: str

    def __str__(self) -> str:
        where = f"position {self.position}: " if self.position is not None else ""
        return f"{where}{self.kind}: {self.detail}"


@dataclass(frozen=True)
class Report:
    """What ``verify`` found: clean when ``finding`` is None."""

    events: int
    head: int
    ledger_position: int
    finding: Finding | None
    checkpoint: Checkpoint | None = None
    unledgered: int = 0

    def summary(self) -> str:
        """One line: the finding, or what was verified."""
        if self.finding is not None:
            return str(self.finding)
        line = f"verified {self.events} events up to position {self.head}"
        if self.checkpoint is not None:
            line += (
                f"; checkpoint at position {self.checkpoint.position} (key "
                f"{self.checkpoint.key_id}, issued {self.checkpoint.issued_at}) matches"
            )
        if self.unledgered:
            line += (
                f"; {self.unledgered} events after position {self.ledger_position} are "
                "not yet in the ledger"
            )
        return line


class Lookup(Protocol):
    """The questions asked of the ledger once a disagreement is found, to name it."""

    def row(self, position: int) -> LedgerRow: ...

    def position_of(self, originator_id: UUID | str, version: int) -> int | None: ...

    def source_of(self, stored: StoredLink) -> int | None: ...


def compare(
    stored: Iterable[StoredLink], chained: Iterable[LedgerLink], *, upto: int, lookup: Lookup
) -> Finding | None:
    """The first position up to ``upto`` where the store and the ledger disagree.

    Every ledger link is first checked to chain from the one before, so an edit of
    the ledger itself is not blamed on the store. Reads ``stored`` only one event past
    ``upto``, so the caller can read on for what lies beyond the ledger.
    """
    stored_events, ledger_entries = iter(stored), iter(chained)
    s, r = next(stored_events, None), next(ledger_entries, None)
    previous = GENESIS
    while True:
        s_at = s.position if s is not None and s.position <= upto else None
        if s_at is None and r is None:
            return None
        linked = r is None or chain_sha256(previous, r.event_sha256) == r.chain_sha256
        if s is not None and s_at is not None and (r is None or s_at < r.position):
            if not linked:  # the ledger's next link does not skip this position: a row went
                return Finding(
                    s_at,
                    "ledger-altered",
                    f"the store has {_described_stored(s)} here; the ledger's row for it "
                    "was deleted (its chain does not skip this position)",
                )
            below = ", below the log's first position," if s_at < 1 else ","
            return Finding(
                s_at,
                "inserted",
                f"the store has {_described_stored(s)} here{below} which the ledger never chained",
            )
        assert r is not None  # both ran out is handled above
        if not linked:
            return Finding(r.position, "ledger-altered", "the ledger's own chain breaks here")
        if s is None or s_at is None or r.position < s_at:
            return Finding(
                r.position,
                "deleted",
                f"the ledger chained {lookup.row(r.position).described()} here; the store "
                "has no event here",
            )
        if s.event_sha256 != r.event_sha256:
            return _mismatch(s, lookup.row(r.position), lookup)
        previous = r.chain_sha256
        s, r = next(stored_events, None), next(ledger_entries, None)


def _mismatch(s: StoredLink, r: LedgerRow, lookup: Lookup) -> Finding:
    """Name a disagreement at one position that both the store and the ledger hold."""
    n = s.notification
    if (uuid_of(n.originator_id), n.originator_version) != (r.originator_id, r.originator_version):
        elsewhere = lookup.position_of(n.originator_id, n.originator_version)
        if elsewhere is None:
            return Finding(
                r.position,
                "inserted",
                f"the store has {_described_stored(s)} here, which the ledger never chained; "
                f"the ledger has {r.described()} here (later events renumbered, or replaced)",
            )
        return Finding(
            r.position,
            "deleted",
            f"the ledger's {r.described()} is gone from here; the store has "
            f"{_described_stored(s)} here, which the ledger chained at position {elsewhere} "
            "(later events renumbered)",
        )
    if s.event_sha256 is None:
        return Finding(
            r.position,
            "altered",
            f"the stored bytes of {r.described()} no longer decode ({s.problem})",
        )
    source = lookup.source_of(s)
    if source is not None:
        return Finding(
            r.position,
            "swapped",
            f"{r.described()} now holds the topic and bytes the ledger chained at "
            f"position {source}",
        )
    if n.topic != r.topic:
        what = f"its topic (the ledger chained {r.topic}) and bytes"
    elif s.recorded_at != r.recorded_at:
        what = "its recorded time (in its bytes)"
    else:
        what = "its stored bytes"
    return Finding(
        r.position,
        "altered",
        f"the hash of {r.described()} differs from the ledger's: {what} changed",
    )


class Tracker:
    """Passes the store's links through, noting what the report and the checkpoint need."""

    def __init__(
        self, links: Iterator[StoredLink], upto: int, checkpoint: Checkpoint | None
    ) -> None:
        self.links = links
        self.upto = upto
        self.limit = checkpoint.position if checkpoint is not None else -1
        self.events = self.unledgered = 0
        self.chain_at_checkpoint: bytes | None = GENESIS
        self.undecodable: StoredLink | None = None

    def __iter__(self) -> Iterator[StoredLink]:
        for stored in self.links:
            self.events += 1
            if stored.position <= self.limit:
                self.chain_at_checkpoint = stored.chain_sha256
            if stored.position > self.upto:
                self.unledgered += 1
                if stored.event_sha256 is None and self.undecodable is None:
                    self.undecodable = stored
            yield stored

    def drain(self) -> Finding | None:
        """Read the rest; an event beyond the ledger that does not decode is a finding."""
        for _ in self:
            pass
        stored = self.undecodable
        if stored is None:
            return None
        return Finding(
            stored.position,
            "undecodable",
            f"{_described_stored(stored)} does not decode ({stored.problem}); the ledger has "
            "not chained it",
        )

    def against(self, checkpoint: Checkpoint, head: int) -> Finding | None:
        """The recomputed chain at the checkpoint's position against its chain hash."""
        if checkpoint.position > head:
            return Finding(
                checkpoint.position,
                "deleted",
                f"the checkpoint covers position {checkpoint.position} but the store ends "
                f"at {head}: events at the end were deleted (or it is another store's)",
            )
        chain = self.chain_at_checkpoint
        if chain is not None and chain.hex() == checkpoint.chain_hash:
            return None
        agreed = "the store and the ledger agree, but " if checkpoint.position <= self.upto else ""
        return Finding(
            checkpoint.position,
            "rewritten",
            f"{agreed}the chain recomputed up to here is not the signed checkpoint's: the "
            "history up to this position is not the one it vouches for",
        )


def uuid_of(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(value)


def _described(topic: str, originator_id: UUID | str, version: int) -> str:
    return f"{topic.rpartition(':')[2]} (aggregate {originator_id} version {version})"


def _described_stored(stored: StoredLink) -> str:
    n = stored.notification
    return _described(n.topic, n.originator_id, n.originator_version)
