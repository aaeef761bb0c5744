"""The ledger's hashes: one per event, chained in log order (pure; no SQL, no I/O).

The spec, version 1, which anyone holding the event log can recompute without this code::

    canonical_json = JSON of {"position", "originator_id", "originator_version",
                              "topic", "recorded_at"}
                     with sorted keys, separators (",", ":"), ASCII (non-ASCII escaped)
    event_sha256   = SHA256(b"case-transfer ledger v1\\n" + canonical_json + b"\\n" + state)
    chain_sha256[n] = SHA256(chain_sha256[previous] + event_sha256[n])
    chain_sha256 before the first event = 32 zero bytes

``position`` is the event's notification id in the log, ``originator_id`` the
aggregate's UUID as lower-case hex with hyphens, ``originator_version`` its version,
``topic`` the stored topic (``module:Class.Event``), ``recorded_at`` the decoded
event's timestamp in UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, and ``state`` the stored
bytes exactly as stored (encrypted or not). Hashing the stored bytes, not the decoded
event, makes the chain independent of how the service decodes them; hashing the
position as well makes moving an event (renumbering) as visible as changing it.

The previous link is the event at the highest position below, whatever the gap:
PostgreSQL's notification ids can skip numbers (a transaction that rolled back), and
a gap is part of the history the chain vouches for.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

DOMAIN = b"case-transfer ledger v1\n"
GENESIS = bytes(32)
"""The chain's value before the first event."""


def canonical_json(value: dict[str, Any]) -> bytes:
    """The one encoding of a small JSON object that hashes and signatures are taken over."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode(
        "ascii"
    )


def utc_text(instant: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS.ffffffZ``: always microseconds, always UTC.

    A naive instant is refused rather than guessed at: the same event must hash the
    same on every machine, whatever its local time zone.
    """
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("the ledger hashes aware instants only")
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class EventFacts:
    """What the ledger hashes of one event besides its stored bytes."""

    position: int
    originator_id: UUID
    originator_version: int
    topic: str
    recorded_at: datetime

    def canonical(self) -> bytes:
        return canonical_json(
            {
                "position": self.position,
                "originator_id": str(self.originator_id),
                "originator_version": self.originator_version,
                "topic": self.topic,
                "recorded_at": utc_text(self.recorded_at),
            }
        )


def event_sha256(facts: EventFacts, state: bytes) -> bytes:
    """The event's own hash: its facts and its stored bytes, domain-separated."""
    return hashlib.sha256(DOMAIN + facts.canonical() + b"\n" + state).digest()


def chain_sha256(previous: bytes, event_hash: bytes) -> bytes:
    """The chain after one more event: it commits to every event before it, in order."""
    if len(previous) != 32 or len(event_hash) != 32:
        raise ValueError("chain links are 32-byte SHA-256 digests")
    return hashlib.sha256(previous + event_hash).digest()


@dataclass(frozen=True)
class Link:
    """One event's place in the chain, as the ledger table keeps it."""

    facts: EventFacts
    event_sha256: bytes
    chain_sha256: bytes

    @property
    def position(self) -> int:
        return self.facts.position


def link(previous: bytes, facts: EventFacts, state: bytes) -> Link:
    """The next link after ``previous`` for an event with ``facts`` and stored ``state``."""
    own = event_sha256(facts, state)
    return Link(facts, own, chain_sha256(previous, own))
