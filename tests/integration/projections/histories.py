"""Histories recorded through the application, and the read models' rows read and
damaged directly: support for the rebuild and replay tests.

``populate`` records whole transfers ending each way a transfer can end (accepted for
a later day or at once, declined, withdrawn, still in progress, the case closed), with
the clock moving on by minutes to hours between cases, so every read model has rows.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Connection, Engine, delete, insert, inspect, select, update

from service.adapters.tables import positions
from service.application import CaseTransferApplication, ChangeRequest
from service.domain.actors import Actor
from service.domain.calendar import london_date
from service.projections.replay import SHADOW_SUFFIX
from service.projections.tables import FOREVER, LIVE, READ_MODELS, ReadModelTables

from .conftest import Clock

SOMERSET = Actor("Somerset case system", "authority", "933")
BRISTOL = Actor("Bristol case system", "authority", "801")
LEEDS = Actor("Leeds case system", "authority", "383")
AUTHORITIES = (SOMERSET, BRISTOL, LEEDS)
NO_REQUEST = ChangeRequest()
ENDINGS = ("accepted later", "accepted today", "declined", "withdrawn", "in progress", "closed")


def assess(application: CaseTransferApplication, by: Actor, case_id: UUID, now: datetime) -> None:
    application.record_assessment(
        by,
        case_id,
        NO_REQUEST,
        completed_on=london_date(now),
        factors=["2B", "3A"],
        primary_need_code="N1",
        summary="Parental drug misuse; the baby is not yet walking.",
    )


def share(
    application: CaseTransferApplication, by: Actor, case_id: UUID, transfer_id: UUID, now: datetime
) -> None:
    application.share_information(
        by,
        case_id,
        transfer_id,
        NO_REQUEST,
        categories=["assessment"],
        references=["DOC-1"],
        shared_on=london_date(now),
    )


def open_case(application: CaseTransferApplication, by: Actor, reference: str) -> UUID:
    outcome = application.open_case(
        by,
        NO_REQUEST,
        local_reference=reference,
        nhs_number=None,
        date_of_birth=date(2019, 5, 4),
        expected_date_of_birth=None,
    )
    return outcome.case.id


def record_case(
    application: CaseTransferApplication, clock: Clock, number: int, ending: str
) -> UUID:
    """One case from opening to ``ending`` (one of ENDINGS), every step at ``clock``."""
    frm, to = AUTHORITIES[number % 3], AUTHORITIES[(number + 1) % 3]
    case_id = open_case(application, frm, f"REF-{number}")
    if ending == "closed":
        application.close_case(frm, case_id, NO_REQUEST, reason_code="RC7")
        return case_id
    now = clock.now()
    assess(application, frm, case_id, now)
    outcome = application.propose_transfer(
        frm, case_id, NO_REQUEST, to_authority=str(to.authority), reason="The family moved."
    )
    transfer_id = outcome.transfer_id
    assert transfer_id is not None
    application.record_local_reference(to, case_id, NO_REQUEST, reference=f"THEIRS-{number}")
    share(application, frm, case_id, transfer_id, now)
    application.confirm_information_received(to, case_id, transfer_id, NO_REQUEST)
    if ending == "in progress":
        return case_id
    if ending == "declined":
        application.decline_transfer(to, case_id, transfer_id, NO_REQUEST, reason="Not ours.")
        return case_id
    if ending == "withdrawn":
        application.withdraw_transfer(frm, case_id, transfer_id, NO_REQUEST, reason="Stayed.")
        return case_id
    on = london_date(now) + timedelta(days=7 if ending == "accepted later" else 0)
    application.propose_transfer_date(frm, case_id, transfer_id, NO_REQUEST, on=on)
    application.agree_transfer_date(to, case_id, transfer_id, NO_REQUEST, on=on)
    application.accept_responsibility(to, case_id, transfer_id, NO_REQUEST)
    return case_id


def populate(
    application: CaseTransferApplication, clock: Clock, cases: int, *, seed: int = 0
) -> list[UUID]:
    """Record ``cases`` cases, ending in turn each way of ENDINGS; their ids."""
    rng = random.Random(seed)
    recorded = []
    for number in range(cases):
        recorded.append(record_case(application, clock, number, ENDINGS[number % len(ENDINGS)]))
        clock.instant += timedelta(minutes=rng.randint(1, 600))
    return recorded


Snapshot = dict[str, list[dict[str, Any]]]


def snapshot(connection: Connection, tables: ReadModelTables = LIVE) -> Snapshot:
    """Every row of every table, by table name (without the shadow suffix), in key order."""
    found: Snapshot = {}
    for table in tables.all():
        keys = [column.name for column in table.primary_key.columns]
        rows = [dict(row) for row in connection.execute(select(table)).mappings()]
        found[table.name.removesuffix(SHADOW_SUFFIX)] = sorted(
            rows, key=lambda row: tuple(row[name] for name in keys)
        )
    return found


def read_live(engine: Engine) -> tuple[Snapshot, tuple[int, int]]:
    """The live rows and the live (position, events applied), read in one transaction."""
    with engine.connect() as connection:
        row = connection.execute(
            select(positions.c.position, positions.c.events_applied).where(
                positions.c.name == READ_MODELS
            )
        ).one()
        return snapshot(connection), (row.position, row.events_applied)


def shadow_exists(engine: Engine) -> bool:
    return f"rm_cases{SHADOW_SUFFIX}" in inspect(engine).get_table_names()


BOGUS = UUID(int=1)


def corrupt(engine: Engine) -> tuple[dict[str, Any], dict[str, Any]]:
    """Change a period's authority, delete a work item, insert a bogus transfer, directly.

    Returns the period and the work item touched.
    """
    with engine.begin() as connection:
        period = dict(connection.execute(select(LIVE.periods).limit(1)).mappings().one())
        item = dict(connection.execute(select(LIVE.work_items).limit(1)).mappings().one())
        connection.execute(
            update(LIVE.periods)
            .where(LIVE.periods.c.case_id == period["case_id"])
            .where(LIVE.periods.c.seq == period["seq"])
            .values(authority="999")
        )
        connection.execute(
            delete(LIVE.work_items).where(LIVE.work_items.c.item_id == item["item_id"])
        )
        connection.execute(
            insert(LIVE.transfers).values(
                transfer_id=BOGUS,
                case_id=uuid4(),
                case_version=1,
                from_authority="933",
                to_authority="801",
                stage="proposed",
                proposed_at=datetime(2026, 1, 1, tzinfo=UTC),
                in_flight_until=FOREVER,
            )
        )
    return period, item
