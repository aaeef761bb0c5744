"""Who outside a case's authorities read it: every read by a MASH or auditor principal.

After a child is harmed, a review asks who knew what, and when; a record of who
looked is part of the answer, and staff who know their look-ups are recorded look
only where they must. So a read by a MASH or an auditor principal is recorded in
``access_log`` in the same request, before the answer is sent: if the row cannot be
written the read is refused (503), never served unrecorded. Reads by the case's own
authorities are not recorded: the case is theirs, and their case systems read it
constantly.

The table is primary data, append-only (migration 0004's triggers refuse UPDATE,
DELETE and TRUNCATE), never derived and never rebuilt. Auditors list it newest first,
by case or by principal, each list served by its own index; an authority that is a
party to a case may list who looked at that case.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import Engine, Select, exc, insert, select

from service.adapters.event_store import StoreUnavailableError
from service.adapters.sql import writing
from service.adapters.tables import access_log
from service.application import CaseTransferApplication, cursors
from service.domain.access import access_log_scope, reads_are_recorded
from service.domain.actors import Actor
from service.domain.text import check_text

DEFAULT_LIMIT = 50
PRINCIPAL_MAX = 200
ROUTE_MAX = 200  # the column's width
_MAX_ENTRY_ID = 2**63 - 1


class AccessNotRecordedError(StoreUnavailableError):
    """Raised when a read could not be recorded: the read is refused (503), not served."""


@dataclass(frozen=True)
class Access:
    """One recorded read: who (name, role, authority), when, which case, by which route."""

    entry_id: int
    recorded_at: datetime
    principal: str
    role: str
    authority: str | None
    case_id: UUID
    route: str


@dataclass(frozen=True)
class AccessPage:
    items: list[Access]
    next_cursor: str | None


class AccessLog:
    """The ``access_log`` table on the read models' engine, timed by the app's clock."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.clock = clock

    def record(self, actor: Actor, route: str, case_ids: Iterable[UUID]) -> None:
        """Record that ``actor`` read each case by ``route`` (a MASH or auditor only).

        ``route`` is the method and path template, e.g. ``GET /v1/cases/{case_id}``.
        """
        if reads_are_recorded(actor):
            self._insert(actor, route, case_ids)

    def record_disclosure(self, actor: Actor, route: str, case_id: UUID, what: str) -> None:
        """Record that a refusal by ``route`` told ``actor``, not a party to the case,
        something about it (``what``: the refusal's code), whatever the caller's role.

        Kept as a read of the case, whose route says what it was, e.g. ``POST /v1/cases
        (disclosed by child-has-open-case)``: the case's own authorities and auditors see
        who was told, by which refusal, and when.
        """
        self._insert(actor, f"{route} (disclosed by {what})", [case_id])

    def _insert(self, actor: Actor, route: str, case_ids: Iterable[UUID]) -> None:
        """One row per case; raises AccessNotRecordedError (503) if it cannot."""
        cases = list(dict.fromkeys(case_ids))  # a case listed twice was read once
        if not cases:
            return
        now = self.clock()
        rows = [
            {
                "recorded_at": now,
                "principal": actor.name,
                "role": actor.role,
                "authority": actor.authority,
                "case_id": case_id,
                "route": route[:ROUTE_MAX],
            }
            for case_id in cases
        ]
        try:
            with writing(self.engine) as connection:
                connection.execute(insert(access_log), rows)
        except exc.DBAPIError as error:  # whatever the cause, the read is not served
            raise AccessNotRecordedError(f"the read could not be recorded: {error}") from error

    def entries(
        self,
        actor: Actor,
        application: CaseTransferApplication,
        *,
        case_id: UUID | None = None,
        principal: str | None = None,
        cursor: str | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> AccessPage:
        """Recorded reads, newest first: for auditors by case, by principal, or all; for
        an authority only by one of its own cases (who outside looked at it)."""
        if access_log_scope(actor, case_id, principal):
            assert case_id is not None
            application.case(actor, case_id)  # not a party: no such case (404)
        if principal is not None:
            principal = check_text(principal, "principal", max_length=PRINCIPAL_MAX)
        cursors.check_limit(limit)
        filters = cursors.filters_digest("access-log", str(case_id) if case_id else None, principal)
        before = cursors.read_cursor(cursor, filters, 1, _entry_id)
        statement = access_query(case_id, principal, before, limit + 1)
        try:
            with self.engine.connect() as connection:
                rows = connection.execute(statement).all()
        except (exc.OperationalError, exc.InterfaceError) as error:
            raise StoreUnavailableError(str(error)) from error
        shown, next_cursor = cursors.page(rows, limit, filters, lambda r: [str(r.entry_id)])
        return AccessPage([Access(**row._mapping) for row in shown], next_cursor)


def access_query(
    case_id: UUID | None, principal: str | None, before: int | None, limit: int
) -> Select[tuple[object, ...]]:
    """Newest first by entry id: one range of ``ix_access_log_case`` (by case) or
    ``ix_access_log_principal`` (by principal), or of the primary key."""
    statement = select(*access_log.c).order_by(access_log.c.entry_id.desc()).limit(limit)
    if case_id is not None:
        statement = statement.where(access_log.c.case_id == case_id)
    if principal is not None:
        statement = statement.where(access_log.c.principal == principal)
    if before is not None:
        statement = statement.where(access_log.c.entry_id < before)
    return statement


def _entry_id(values: list[str]) -> int:
    entry_id = int(values[0])
    if not 0 < entry_id <= _MAX_ENTRY_ID:
        raise ValueError("out of range")
    return entry_id
