"""The statements behind the lists: each one index range, sorted by its keyset.

Kept apart from ``queries.py`` (who may ask, read-your-writes, paging) so that
``tests/projections/test_query_plans.py`` can EXPLAIN exactly what runs.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, and_, literal_column, or_, select

from service.domain.case.transfer import ACCEPTED

from .tables import ReadModelTables


def open_caseload_query(
    tables: ReadModelTables,
    authority: str,
    at: datetime,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> Select[Any]:
    """Periods of ``authority`` covering ``at``: ``ix_rm_periods_authority_until``."""
    p = tables.periods
    return (
        select(p.c.case_id, p.c.case_version, p.c.since.label("sort_at"))
        .where(p.c.authority == authority, p.c.until > at, p.c.since <= at)
        .where(*after_key(p.c.since, p.c.case_id, after))
        .order_by(p.c.since, p.c.case_id)
        .limit(limit)
    )


def closed_caseload_query(
    tables: ReadModelTables,
    authority: str,
    at: datetime,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> Select[Any]:
    """Periods of ``authority`` ended by closure by ``at``: ``ix_rm_periods_closed``.

    ``ended_by = 'closure'`` is written as a literal, not a bound parameter: only then
    do SQLite and PostgreSQL's generic plans match it to the partial index.
    """
    p = tables.periods
    return (
        select(p.c.case_id, p.c.case_version, p.c.until.label("sort_at"))
        .where(
            p.c.authority == authority, p.c.ended_by == literal_column("'closure'"), p.c.until <= at
        )
        .where(*after_key(p.c.until, p.c.case_id, after))
        .order_by(p.c.until, p.c.case_id)
        .limit(limit)
    )


def reference_query(
    tables: ReadModelTables,
    digest: bytes,
    authority: str | None,
    after: UUID | None,
    limit: int,
) -> Select[Any]:
    """Cases holding a reference with ``digest`` (``ix_rm_local_references_digest``).

    DISTINCT because two authorities may use the same reference for one case; every
    row of a case records the same version, so one row per case remains.
    """
    r = tables.references
    statement = select(r.c.case_id, r.c.case_version).distinct().where(r.c.digest == digest)
    if authority is not None:
        statement = statement.where(r.c.authority == authority)
    if after is not None:
        statement = statement.where(r.c.case_id > after)
    return statement.order_by(r.c.case_id).limit(limit)


def transfers_query(
    tables: ReadModelTables,
    authority: str,
    direction: str | None,
    stage: str | None,
    now: datetime,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> Select[Any]:
    """Transfers by side and stage: ``ix_rm_transfers_to`` and/or ``ix_rm_transfers_from``.

    ``in_flight_until`` is FOREVER while proposed, the effective instant once accepted
    and the end once declined or withdrawn, so "in flight now" and "accepted, not yet
    effective" are one range of the index. Both directions are an OR of the two sides,
    each side carrying the stage condition, so each can use its own index.
    """
    t = tables.transfers
    stage_condition = stage_conditions(tables, stage, now)
    sides = []
    if direction in (None, "incoming"):
        sides.append(and_(t.c.to_authority == authority, *stage_condition))
    if direction in (None, "outgoing"):
        sides.append(and_(t.c.from_authority == authority, *stage_condition))
    return (
        select(t.c.transfer_id, t.c.case_id, t.c.case_version, t.c.proposed_at.label("sort_at"))
        .where(or_(*sides))
        .where(*after_key(t.c.proposed_at, t.c.transfer_id, after))
        .order_by(t.c.proposed_at, t.c.transfer_id)
        .limit(limit)
    )


def worklist_query(tables: ReadModelTables, authority: str, today: date) -> Select[Any]:
    """Work items of ``authority`` shown by ``today``: ``ix_rm_work_items_authority``."""
    w = tables.work_items
    return select(w).where(w.c.authority == authority, w.c.visible_from <= today)


def stage_conditions(
    tables: ReadModelTables, stage: str | None, now: datetime
) -> list[ColumnElement[bool]]:
    t = tables.transfers
    if stage is None:
        return [t.c.in_flight_until > now]
    if stage == "proposed":
        return [t.c.stage == stage, t.c.in_flight_until > now]  # FOREVER: narrows the range
    if stage == "accepted":
        return [t.c.stage == ACCEPTED, t.c.in_flight_until > now]
    if stage == "completed":
        return [t.c.stage == ACCEPTED, t.c.in_flight_until <= now]
    return [t.c.stage == stage]


def after_key(
    sort: ColumnElement[datetime],
    identity: ColumnElement[UUID],
    after: tuple[datetime, UUID] | None,
) -> list[ColumnElement[bool]]:
    """``(sort, identity) > after`` spelled so both dialects use the index for it."""
    if after is None:
        return []
    at, key = after
    return [or_(sort > at, and_(sort == at, identity > key))]
