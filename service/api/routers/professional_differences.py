"""Routes of /v1/cases/{case_id}/professional-differences: rule 14.

Raised by a party authority or a partner taking part; the agency it is raised with
responds; either side moves it up a stage, resolves it (both recording the same outcome
statement) or closes it unresolved. Each POST answers with the difference.
"""

from __future__ import annotations

from ..decision_answers import created_id, difference_answer
from ..deps import App, CaseId, CaseReads, CurrentActor, DifferenceId, Step
from ..errors import problem_responses
from ..operations import api_router
from ..params import Instant
from ..schemas import AuthorityRef, Reason
from ..schemas.decision_bodies import (
    DifferenceEscalation,
    DifferenceRaising,
    DifferenceResolution,
    DifferenceResponseRecord,
)
from ..schemas.differences import DifferenceList, DifferenceView

router = api_router(
    prefix="/v1/cases/{case_id}/professional-differences", tags=["professional differences"]
)
STEP = problem_responses(403, 404, 409, 412, 413)


@router.post("", status_code=201, response_model=DifferenceView, responses=STEP)
def raise_difference(
    case_id: CaseId, body: DifferenceRaising, step: Step, reads: CaseReads
) -> DifferenceView:
    """Raise a professional difference with another agency, at stage 1."""
    outcome = step.app.raise_difference(
        step.actor, case_id, step.request(body), **body.model_dump()
    )
    difference_id = created_id(outcome)
    location = f"/v1/cases/{case_id}/professional-differences/{difference_id}"
    return difference_answer(step, reads, outcome, difference_id, location=location)


@router.get("", response_model=DifferenceList, responses=problem_responses(404))
def list_differences(
    case_id: CaseId, actor: CurrentActor, app: App, reads: CaseReads, as_known_at: Instant = None
) -> DifferenceList:
    """The case's differences you may see (a partner: those its agency is a side of)."""
    seen = app.decisions(actor, case_id, as_known_at=as_known_at)
    reads.record(case_id)
    timescales = app.decision_timescales
    return DifferenceList(
        case_id=case_id,
        responsible_authority=AuthorityRef.maybe(seen.responsible_authority),
        items=[DifferenceView.of(seen.case, d, seen.now, timescales) for d in seen.differences],
    )


@router.get("/{difference_id}", response_model=DifferenceView, responses=problem_responses(404))
def get_difference(
    case_id: CaseId,
    difference_id: DifferenceId,
    actor: CurrentActor,
    app: App,
    reads: CaseReads,
    as_known_at: Instant = None,
) -> DifferenceView:
    """One difference: its stage, who holds it, when it is due, overdue or stalled."""
    seen = app.decisions(actor, case_id, as_known_at=as_known_at)
    view = DifferenceView.of(
        seen.case, seen.difference(difference_id), seen.now, app.decision_timescales
    )
    reads.record(case_id)
    return view


@router.post("/{difference_id}/responses", response_model=DifferenceView, responses=STEP)
def respond_to_difference(
    case_id: CaseId,
    difference_id: DifferenceId,
    body: DifferenceResponseRecord,
    step: Step,
    reads: CaseReads,
) -> DifferenceView:
    """The agency the difference was raised with responds at the current stage."""
    outcome = step.app.respond_to_difference(
        step.actor, case_id, difference_id, step.request(body), **body.model_dump()
    )
    return difference_answer(step, reads, outcome, difference_id)


@router.post("/{difference_id}/escalation", response_model=DifferenceView, responses=STEP)
def escalate_difference(
    case_id: CaseId,
    difference_id: DifferenceId,
    body: DifferenceEscalation,
    step: Step,
    reads: CaseReads,
) -> DifferenceView:
    """Either side moves it to the next stage, naming who holds it there."""
    outcome = step.app.escalate_difference(
        step.actor, case_id, difference_id, step.request(body), **body.model_dump()
    )
    return difference_answer(step, reads, outcome, difference_id)


@router.post("/{difference_id}/resolution", response_model=DifferenceView, responses=STEP)
def resolve_difference(
    case_id: CaseId,
    difference_id: DifferenceId,
    body: DifferenceResolution,
    step: Step,
    reads: CaseReads,
) -> DifferenceView:
    """A side records the outcome statement; once both have recorded the same one, the
    difference is resolved."""
    outcome = step.app.resolve_difference(
        step.actor, case_id, difference_id, step.request(body), **body.model_dump()
    )
    return difference_answer(step, reads, outcome, difference_id)


@router.post("/{difference_id}/closure", response_model=DifferenceView, responses=STEP)
def close_difference_unresolved(
    case_id: CaseId, difference_id: DifferenceId, body: Reason, step: Step, reads: CaseReads
) -> DifferenceView:
    """Either side closes it unresolved, with the reason."""
    outcome = step.app.close_difference_unresolved(
        step.actor, case_id, difference_id, step.request(body), **body.model_dump()
    )
    return difference_answer(step, reads, outcome, difference_id)
