"""The questions the read models answer, each served by an index, with cursor pagination.

SKELETON: helper B1 implements this module; the signatures below are the contract the
API (helper B2) codes against. Do not change a signature without saying so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, TypeVar

from service.domain.actors import Actor
from service.domain.case import Case
from service.domain.transfer import Transfer
from service.domain.worklist import Timescales, WorkItem

from .runner import Projector

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
CASE_STATUSES = ("open", "closed")
DIRECTIONS = ("incoming", "outgoing")
TRANSFER_STAGES = ("proposed", "accepted", "completed", "declined", "withdrawn")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, the cursor of the next (None on the last), and the log
    position the read models reflected when it was read."""

    items: list[T]
    next_cursor: str | None
    position: int


@dataclass(frozen=True)
class TransferEntry:
    """A transfer in a list, with its case as the read models last saw it."""

    case: Case
    transfer: Transfer


@dataclass(frozen=True)
class WorkEntry:
    """A work item with its due date and whether it is overdue today (London)."""

    item: WorkItem
    due_on: date
    overdue: bool


class ReadModels:
    """Lists across cases: who may ask, read-your-writes, and the queries themselves."""

    def __init__(
        self,
        projector: Projector,
        *,
        timescales: Timescales,
        wait_seconds: float,
        clock: Callable[[], datetime],
    ) -> None:
        raise NotImplementedError

    def caseload(
        self,
        actor: Actor,
        *,
        authority: str | None = None,
        status: str = "open",
        at: datetime | None = None,
        cursor: str | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> Page[Case]:
        raise NotImplementedError

    def cases_by_local_reference(
        self, actor: Actor, reference: str, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> Page[Case]:
        raise NotImplementedError

    def transfers(
        self,
        actor: Actor,
        *,
        authority: str | None = None,
        direction: str | None = None,
        stage: str | None = None,
        cursor: str | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> Page[TransferEntry]:
        raise NotImplementedError

    def worklist(
        self,
        actor: Actor,
        *,
        authority: str | None = None,
        overdue_only: bool = False,
        cursor: str | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> Page[WorkEntry]:
        raise NotImplementedError
