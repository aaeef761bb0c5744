"""The questions the read models answer, each served by an index, with cursor pagination.

Every list (1) checks who may ask, (2) catches the read models up to the log's head
as it was when the call began, so a client that has just written sees its write,
(3) runs one indexed statement (built by a ``*_query`` function in ``statements.py``, so that
``tests/projections/test_query_plans.py`` can EXPLAIN exactly what runs), and
(4) loads each listed case from the event store at the version its row records: an
item is the case exactly as the read model saw it, never a newer one that no longer
matches the filter it was listed under.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from sqlalchemy import Row, Select

from service.adapters.event_store import store_errors
from service.adapters.sql import sql_errors
from service.application import cursors
from service.domain.access import list_authority, may_see, reference_lookup_scope
from service.domain.actors import Actor
from service.domain.calendar import london_date
from service.domain.case import Case
from service.domain.case.transfer import Transfer
from service.domain.errors import InvalidInput
from service.domain.text import check_identifier
from service.domain.worklist import Timescales, WorkItem

from .projector import Projector
from .rows import reference_digest
from .statements import (
    closed_caseload_query,
    open_caseload_query,
    reference_query,
    transfers_query,
    worklist_query,
)

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = cursors.MAX_LIMIT
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
    authority: str | None = None
    """Whose list it is, for the lists of one authority."""


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
        self.projector = projector
        self.tables = projector.tables
        self.timescales = timescales
        self.wait_seconds = wait_seconds
        self.clock = clock

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
        """Open: the cases ``authority`` was responsible for at ``at`` (default now), a
        scheduled hand-over included from its effective instant. Closed: the cases
        closed while it held them, up to ``at``; ordered by when they closed."""
        code = list_authority(actor, authority)
        if status not in CASE_STATUSES:
            raise InvalidInput(f"status must be one of {CASE_STATUSES}.", code="invalid-status")
        cursors.check_limit(limit)
        filters = cursors.filters_digest("caseload", code, status, _iso(at))
        after = cursors.read_cursor(cursor, filters, 2, cursors.instant_and_id)
        position = self._catch_up()
        build = open_caseload_query if status == "open" else closed_caseload_query
        rows = self._rows(build(self.tables, code, at or self.clock(), after, limit + 1))
        shown, next_cursor = cursors.page(rows, limit, filters, _case_key)
        return Page(self._cases(shown), next_cursor, position)

    def cases_by_local_reference(
        self, actor: Actor, reference: str, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> Page[Case]:
        """Cases found by a local case reference: an authority's case system finds its
        own references only; the MASH and auditors find any authority's."""
        scope = reference_lookup_scope(actor)
        reference = check_identifier(reference, "reference")
        cursors.check_limit(limit)
        digest = reference_digest(self.projector.application.index_key, reference)
        filters = cursors.filters_digest("references", digest.hex(), scope)
        after = cursors.read_cursor(cursor, filters, 1, cursors.identifier)
        position = self._catch_up()
        rows = self._rows(reference_query(self.tables, digest, scope, after, limit + 1))
        shown, next_cursor = cursors.page(rows, limit, filters, lambda r: [str(r.case_id)])
        cases = [c for c in self._cases(shown) if may_see(actor, c)]
        return Page(cases, next_cursor, position)

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
        """Transfers to (incoming), from (outgoing) or either way for ``authority``; without
        a stage, those in flight now: proposed, or accepted and not yet effective."""
        code = list_authority(actor, authority)
        if direction is not None and direction not in DIRECTIONS:
            raise InvalidInput(f"direction must be one of {DIRECTIONS}.", code="invalid-direction")
        if stage is not None and stage not in TRANSFER_STAGES:
            raise InvalidInput(f"stage must be one of {TRANSFER_STAGES}.", code="invalid-stage")
        cursors.check_limit(limit)
        filters = cursors.filters_digest("transfers", code, direction, stage)
        after = cursors.read_cursor(cursor, filters, 2, cursors.instant_and_id)
        position = self._catch_up()
        statement = transfers_query(
            self.tables, code, direction, stage, self.clock(), after, limit + 1
        )
        rows = self._rows(statement)
        shown, next_cursor = cursors.page(rows, limit, filters, _transfer_key)
        entries = [
            TransferEntry(case, case.transfers[row.transfer_id])
            for row, case in zip(shown, self._cases(shown), strict=True)
        ]
        return Page(entries, next_cursor, position)

    def worklist(
        self,
        actor: Actor,
        *,
        authority: str | None = None,
        overdue_only: bool = False,
        cursor: str | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> Page[WorkEntry]:
        """What ``authority`` must do, shown from each item's ``visible_from`` date.

        Due dates are not stored: they count working days on the bank-holiday
        calendar as the ``holidays`` package knows it when asked (a newly announced
        bank holiday moves them), and on the configured timescales. So the statement
        fetches every item shown today (one index range on authority and
        visible_from) and the sort by (due_on, item_id), the overdue filter and the
        page are done here. The set is an authority's outstanding work, not its history.
        """
        code = list_authority(actor, authority, partners=True)
        cursors.check_limit(limit)
        filters = cursors.filters_digest("worklist", code, overdue_only)
        after = cursors.read_cursor(cursor, filters, 2, cursors.day_and_text)
        position = self._catch_up()
        today = london_date(self.clock())
        rows = self._rows(worklist_query(self.tables, code, today))
        entries = sorted((self._entry(row, today) for row in rows), key=_work_key)
        if overdue_only:
            entries = [e for e in entries if e.overdue]
        if after is not None:
            entries = [e for e in entries if _work_key(e) > after]
        shown, next_cursor = cursors.page(entries, limit, filters, _work_cursor_key)
        return Page(list(shown), next_cursor, position, code)

    # ---- the machinery --------------------------------------------------------------

    def _catch_up(self) -> int:
        """Read your writes: reflect everything recorded before this call began."""
        return self.projector.wait_for(self.projector.head(), self.wait_seconds)

    def _rows(self, statement: Select[Any]) -> Sequence[Row[Any]]:
        with sql_errors(), self.projector.engine.connect() as connection:
            return connection.execute(statement).all()

    def _cases(self, rows: Sequence[Row[Any]]) -> list[Case]:
        """Each row's case at the version the row records (once per case and version)."""
        loaded: dict[tuple[UUID, int], Case] = {}
        with store_errors():
            for row in rows:
                key = (row.case_id, row.case_version)
                if key not in loaded:
                    loaded[key] = self.projector.application.repository.get(
                        row.case_id, version=row.case_version
                    )
        return [loaded[(row.case_id, row.case_version)] for row in rows]

    def _entry(self, row: Row[Any], today: date) -> WorkEntry:
        item = WorkItem(
            row.kind,
            row.authority,
            row.case_id,
            row.transfer_id,
            row.counterpart,
            row.counted_from,
            row.visible_from,
            row.deadline,
        )
        return WorkEntry(item, item.due_on(self.timescales), item.overdue(today, self.timescales))


def _case_key(row: Row[Any]) -> list[str]:
    return [row.sort_at.isoformat(), str(row.case_id)]


def _transfer_key(row: Row[Any]) -> list[str]:
    return [row.sort_at.isoformat(), str(row.transfer_id)]


def _work_key(entry: WorkEntry) -> tuple[date, str]:
    return entry.due_on, entry.item.item_id


def _work_cursor_key(entry: WorkEntry) -> list[str]:
    return [entry.due_on.isoformat(), entry.item.item_id]


def _iso(at: datetime | None) -> str | None:
    """``at`` for the filters' digest; an instant without an offset is refused."""
    if at is None:
        return None
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidInput("at must carry a UTC offset.", code="invalid-instant")
    return at.astimezone(UTC).isoformat()
