"""Shared actors, instants and small factories for the domain tests.

Nothing here reads a clock: every instant is explicit, so a test reads as a timeline.
``T0`` is a Thursday in November (GMT, so London midnight is UTC midnight); tests that
need British Summer Time say so with their own instants.

The factories leave the events they trigger pending on the case, so a test can replay
everything; ``settle`` drops them when a test only cares about the next step's events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from service.domain.actors import Actor
from service.domain.calendar import london_date
from service.domain.case import Case

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
TODAY = date(2026, 11, 26)
MICROSECOND = timedelta(microseconds=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

SOMERSET = Actor("Somerset case system", "authority", "933")
BRISTOL = Actor("Bristol case system", "authority", "801")
LEEDS = Actor("Leeds case system", "authority", "383")
MASH = Actor("Somerset MASH", "mash", "933")
AUDITOR = Actor("Serious case review panel", "auditor", None)

NHS_NUMBER = "9434765919"
OTHER_NHS_NUMBER = "9434765870"


def code(actor: Actor) -> str:
    """The DfE code an authority actor acts for."""
    assert actor.authority is not None
    return actor.authority


def open_case(**overrides: Any) -> Case:
    """A case Somerset opened at ``T0`` for a child born in 2019; override any argument."""
    fields: dict[str, Any] = {
        "by": SOMERSET,
        "now": T0,
        "local_reference": "SOM-2026-0001",
        "nhs_number": NHS_NUMBER,
        "date_of_birth": date(2019, 5, 4),
        "expected_date_of_birth": None,
    }
    fields.update(overrides)
    return Case.open(**fields)


def assess(case: Case, *, by: Actor = SOMERSET, now: datetime = T0, **overrides: Any) -> UUID:
    """Record a completed assessment by ``by``, completed on ``now``'s London date."""
    fields: dict[str, Any] = {
        "completed_on": london_date(now),
        "factors": ["2B", "3A"],
        "primary_need_code": "N1",
        "summary": "Parental drug misuse and domestic abuse; the baby is not yet walking.",
    }
    fields.update(overrides)
    return case.record_assessment(by=by, now=now, **fields)


def propose(
    case: Case,
    *,
    by: Actor = SOMERSET,
    to: Actor = BRISTOL,
    now: datetime = T0,
    reason: str = "The family has moved.",
) -> UUID:
    return case.propose_transfer(by=by, now=now, to_authority=code(to), reason=reason)


def share(case: Case, transfer_id: UUID, *, by: Actor = SOMERSET, now: datetime = T0) -> None:
    case.share_information(
        by=by,
        now=now,
        transfer_id=transfer_id,
        categories=["assessment", "chronology"],
        references=["DOC-1", "DOC-2"],
        shared_on=london_date(now),
    )


def agree_date(
    case: Case,
    transfer_id: UUID,
    on: date,
    *,
    proposer: Actor = SOMERSET,
    agreer: Actor = BRISTOL,
    now: datetime = T0,
) -> None:
    case.propose_transfer_date(by=proposer, now=now, transfer_id=transfer_id, on=on)
    case.agree_transfer_date(by=agreer, now=now, transfer_id=transfer_id, on=on)


@dataclass(frozen=True)
class Walk:
    """A case walked to a transfer that the receiving authority may now accept."""

    case: Case
    transfer_id: UUID
    on: date
    now: datetime


def ready_to_accept(
    case: Case | None = None,
    *,
    frm: Actor = SOMERSET,
    to: Actor = BRISTOL,
    now: datetime = T0,
    on: date | None = None,
) -> Walk:
    """Take ``case`` (by default a new one) through the four steps of rule 5 at ``now``.

    The originating authority assesses, proposes, shares and proposes ``on`` (by
    default the London date a week after ``now``); the receiving authority agrees it.
    """
    case = case if case is not None else open_case(by=frm, now=now)
    on = on if on is not None else london_date(now + 7 * DAY)
    assess(case, by=frm, now=now)
    transfer_id = propose(case, by=frm, to=to, now=now)
    share(case, transfer_id, by=frm, now=now)
    agree_date(case, transfer_id, on, proposer=frm, agreer=to, now=now)
    return Walk(case, transfer_id, on, now)


def hand_over(
    case: Case,
    *,
    frm: Actor,
    to: Actor,
    now: datetime,
    on: date | None = None,
) -> datetime:
    """Transfer ``case`` from ``frm`` to ``to``, accepted at ``now``; the effective instant."""
    walk = ready_to_accept(case, frm=frm, to=to, now=now, on=on)
    return case.accept_responsibility(by=to, now=now, transfer_id=walk.transfer_id)


def settle(case: Case) -> None:
    """Drop the pending events, so that the next command's events stand alone."""
    case.collect_events()


def new_events(case: Case) -> list[Case.Event]:
    """The events triggered since the last collection, in order."""
    events = list(case.collect_events())
    assert all(isinstance(e, Case.Event) for e in events)
    return [e for e in events if isinstance(e, Case.Event)]


def event_types(events: Sequence[Case.Event]) -> list[type[Case.Event]]:
    return [type(e) for e in events]


def replay(events: Sequence[Case.Event]) -> Case:
    """A fresh aggregate rebuilt from ``events`` alone, as the store would rebuild it."""
    known: Any = None
    for event in events:
        known = event.mutate(known)
    assert isinstance(known, Case)
    return known


@pytest.fixture
def case() -> Case:
    """Somerset's case, opened at ``T0``, with its opening event already collected."""
    opened = open_case()
    settle(opened)
    return opened


@pytest.fixture
def walk() -> Walk:
    """Somerset to Bristol, all four steps recorded at ``T0``, the events collected."""
    walked = ready_to_accept()
    settle(walked.case)
    return walked
