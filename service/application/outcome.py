"""How a change is asked for, and what it answers: the application's messages.

A ``ChangeRequest`` carries what the HTTP layer learnt from the request's headers
(its idempotency identity, the version it expects); an ``Outcome`` is the case after
the change, with what the answer needs. ``StaleVersionError`` is the one refusal the
application adds to the domain's: ``If-Match`` names a version the case has left.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from service.domain.case import Case
from service.domain.errors import DomainError

from .idempotency import RequestIdentity


def utc_now() -> datetime:
    return datetime.now(tz=UTC)


class StaleVersionError(DomainError):
    """Raised when ``If-Match`` names a version the case has moved past (412)."""

    code = "version-mismatch"
    title = "The case has changed since that version"

    @classmethod
    def of(cls, expected: int | None, current: int | None) -> StaleVersionError:
        now = f"; it is now at version {current}" if current is not None else ""
        return cls(f"You sent If-Match for version {expected}{now}.")


class WriteConflictError(Exception):
    """Raised when a change lost the race to save every time it was retried (503).

    Nothing was recorded and nothing the caller sent was wrong: the same request,
    sent again after Retry-After, is checked afresh.
    """


@dataclass(frozen=True)
class ChangeRequest:
    """How a change was asked for: its idempotency identity and the version it expects."""

    identity: RequestIdentity | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class Outcome:
    """A case after a change, the instant the change was recorded, and what it created."""

    case: Case
    now: datetime
    created: bool = False
    transfer_id: UUID | None = None
    replayed: bool = False
    position: int = 0
    """The event log's position once the change is recorded: a read model that has
    reached it reflects the change (read your writes)."""
