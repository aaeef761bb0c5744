"""Actors and factories for the tests of strategy discussions and professional differences."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from service.domain.actors import Actor
from service.domain.case import Case
from service.domain.case.discussion import Agency

from .conftest import HOUR, SOMERSET, T0

POLICE = Actor("Avon and Somerset Police safeguarding", "partner", "police-avon-somerset")
HOSPITAL = Actor("Musgrove Park Hospital safeguarding", "partner", "hospital-musgrove")
SCHOOL = Actor("Taunton Primary", "partner", "school-taunton")

POLICE_AGENCY = Agency("police-avon-somerset", "police", "Avon and Somerset Police")
HOSPITAL_AGENCY = Agency("hospital-musgrove", "hospital", "Musgrove Park Hospital")
GP_AGENCY = Agency("gp-riverside", "gp", "Riverside Surgery")
SCHOOL_AGENCY = Agency("school-taunton", "school", "Taunton Primary")


def convene(case: Case, *, by: Actor = SOMERSET, now: datetime = T0, **overrides: Any) -> UUID:
    fields: dict[str, Any] = {
        "scheduled_for": now + HOUR,
        "mode": "virtual",
        "chair": "Team manager, Somerset MASH",
        "reason": "Unexplained bruising to a 10-week-old baby.",
        "invited": [POLICE_AGENCY, HOSPITAL_AGENCY, GP_AGENCY],
    }
    fields.update(overrides)
    return case.convene_discussion(by=by, now=now, **fields)


def hold(
    case: Case,
    discussion_id: UUID,
    *,
    by: Actor = SOMERSET,
    now: datetime = T0 + 2 * HOUR,
    **overrides: Any,
) -> None:
    fields: dict[str, Any] = {
        "held_at": now - HOUR,
        "attended": ["933", "police-avon-somerset", "hospital-musgrove"],
        "outcome": "section-47-enquiry",
        "rationale": "Injury to a non-mobile baby without an explanation.",
    }
    fields.update(overrides)
    case.record_outcome(by=by, now=now, discussion_id=discussion_id, **fields)


def circulate(
    case: Case,
    discussion_id: UUID,
    *,
    now: datetime = T0 + 3 * HOUR,
    to: list[str] | None = None,
) -> None:
    everyone = ["police-avon-somerset", "hospital-musgrove", "gp-riverside"]
    case.circulate_minutes(
        by=SOMERSET,
        now=now,
        discussion_id=discussion_id,
        to=everyone if to is None else to,
        circulated_at=now,
    )


def minuted(case: Case, *, now: datetime = T0) -> UUID:
    """A discussion convened, held (section 47) and its minutes sent to everyone."""
    discussion_id = convene(case, now=now)
    hold(case, discussion_id, now=now + 2 * HOUR)
    circulate(case, discussion_id, now=now + 3 * HOUR)
    return discussion_id


def dissent(case: Case, discussion_id: UUID, *, by: Actor = HOSPITAL, now: datetime) -> UUID:
    return case.record_dissent(
        by=by,
        now=now,
        discussion_id=discussion_id,
        account="We left believing a section 47 enquiry would start.",
        understood_outcome="section-47-enquiry",
    )


def raise_difference(case: Case, *, by: Actor = HOSPITAL, now: datetime, **overrides: Any) -> UUID:
    fields: dict[str, Any] = {
        "responded_by": "933",
        "about": "The outcome recorded after the second strategy discussion.",
        "disputed": "No further action was recorded; we agreed a section 47 enquiry.",
        "outcome_sought": "A section 47 enquiry.",
        "held_by": "Named nurse for safeguarding",
    }
    fields.update(overrides)
    return case.raise_difference(by=by, now=now, **fields)
