"""Routes of /v1/cases/{case_id}/strategy-discussions: rules 11 to 13.

Each POST answers with the discussion it changed (not the case view: a partner sees a
case's discussions, never the case itself).
"""

from __future__ import annotations

from ..decision_answers import created_id, discussion_answer
from ..deps import App, CaseId, CaseReads, CurrentActor, DiscussionId, DissentId, Step
from ..errors import problem_responses
from ..operations import api_router
from ..params import Instant
from ..schemas import AuthorityRef
from ..schemas.decision_bodies import (
    AcknowledgementRecord,
    DiscussionConvening,
    DissentRecord,
    DissentWithdrawal,
    MinutesCirculation,
    OutcomeRecord,
)
from ..schemas.discussions import DiscussionList, DiscussionView

router = api_router(
    prefix="/v1/cases/{case_id}/strategy-discussions", tags=["strategy discussions"]
)
STEP = problem_responses(403, 404, 409, 412, 413)


@router.post("", status_code=201, response_model=DiscussionView, responses=STEP)
def convene_discussion(
    case_id: CaseId, body: DiscussionConvening, step: Step, reads: CaseReads
) -> DiscussionView:
    """The responsible authority convenes a strategy discussion, inviting agencies."""
    outcome = step.app.convene_discussion(
        step.actor, case_id, step.request(body), **body.model_dump()
    )
    discussion_id = created_id(outcome)
    location = f"/v1/cases/{case_id}/strategy-discussions/{discussion_id}"
    return discussion_answer(step, reads, outcome, discussion_id, location=location)


@router.get("", response_model=DiscussionList, responses=problem_responses(404))
def list_discussions(
    case_id: CaseId, actor: CurrentActor, app: App, reads: CaseReads, as_known_at: Instant = None
) -> DiscussionList:
    """The case's discussions you may see (a partner: those its agency is invited to),
    as the record stood at ``as_known_at`` (default now)."""
    seen = app.decisions(actor, case_id, as_known_at=as_known_at)
    reads.record(case_id)
    timescales = app.decision_timescales
    return DiscussionList(
        case_id=case_id,
        responsible_authority=AuthorityRef.maybe(seen.responsible_authority),
        items=[DiscussionView.of(seen.case, d, seen.now, timescales) for d in seen.discussions],
    )


@router.get("/{discussion_id}", response_model=DiscussionView, responses=problem_responses(404))
def get_discussion(
    case_id: CaseId,
    discussion_id: DiscussionId,
    actor: CurrentActor,
    app: App,
    reads: CaseReads,
    as_known_at: Instant = None,
) -> DiscussionView:
    """One discussion, as the record stood at ``as_known_at`` (default now)."""
    seen = app.decisions(actor, case_id, as_known_at=as_known_at)
    view = DiscussionView.of(
        seen.case, seen.discussion(discussion_id), seen.now, app.decision_timescales
    )
    reads.record(case_id)
    return view


@router.post("/{discussion_id}/outcome", response_model=DiscussionView, responses=STEP)
def record_outcome(
    case_id: CaseId, discussion_id: DiscussionId, body: OutcomeRecord, step: Step, reads: CaseReads
) -> DiscussionView:
    """The responsible authority records what was decided at the discussion, once."""
    outcome = step.app.record_outcome(
        step.actor, case_id, discussion_id, step.request(body), **body.model_dump()
    )
    return discussion_answer(step, reads, outcome, discussion_id)


@router.post("/{discussion_id}/minutes", response_model=DiscussionView, responses=STEP)
def circulate_minutes(
    case_id: CaseId,
    discussion_id: DiscussionId,
    body: MinutesCirculation,
    step: Step,
    reads: CaseReads,
) -> DiscussionView:
    """The responsible authority records to whom, and when, the minutes were circulated."""
    outcome = step.app.circulate_minutes(
        step.actor, case_id, discussion_id, step.request(body), **body.model_dump()
    )
    return discussion_answer(step, reads, outcome, discussion_id)


@router.post("/{discussion_id}/acknowledgements", response_model=DiscussionView, responses=STEP)
def acknowledge_minutes(
    case_id: CaseId,
    discussion_id: DiscussionId,
    body: AcknowledgementRecord,
    step: Step,
    reads: CaseReads,
) -> DiscussionView:
    """An attending agency acknowledges the minutes, or the convening authority does on
    an agency's behalf (``agency`` and ``obtained_how``)."""
    outcome = step.app.acknowledge_minutes(
        step.actor, case_id, discussion_id, step.request(body), **body.model_dump()
    )
    return discussion_answer(step, reads, outcome, discussion_id)


@router.post(
    "/{discussion_id}/dissents", status_code=201, response_model=DiscussionView, responses=STEP
)
def record_dissent(
    case_id: CaseId, discussion_id: DiscussionId, body: DissentRecord, step: Step, reads: CaseReads
) -> DiscussionView:
    """An attending agency records that it disagrees, with its own account of the outcome."""
    outcome = step.app.record_dissent(
        step.actor, case_id, discussion_id, step.request(body), **body.model_dump()
    )
    location = (
        f"/v1/cases/{case_id}/strategy-discussions/{discussion_id}/dissents/{created_id(outcome)}"
    )
    return discussion_answer(step, reads, outcome, discussion_id, location=location)


@router.post(
    "/{discussion_id}/dissents/{dissent_id}/withdrawal",
    response_model=DiscussionView,
    responses=STEP,
)
def withdraw_dissent(
    case_id: CaseId,
    discussion_id: DiscussionId,
    dissent_id: DissentId,
    step: Step,
    reads: CaseReads,
    body: DissentWithdrawal | None = None,
) -> DiscussionView:
    """The agency that made a dissent withdraws it."""
    body = body or DissentWithdrawal()
    outcome = step.app.withdraw_dissent(
        step.actor, case_id, discussion_id, dissent_id, step.request(body), **body.model_dump()
    )
    return discussion_answer(step, reads, outcome, discussion_id)
