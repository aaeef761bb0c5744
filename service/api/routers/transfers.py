"""Routes of /v1/cases/{case_id}/transfers: every step of a hand-over."""

from __future__ import annotations

from service.application import CaseTransferApplication as Use

from ..deps import App, CaseId, CaseReads, CurrentActor, Step, TransferId
from ..errors import problem_responses
from ..operations import api_router
from ..schemas import (
    CaseView,
    InformationShareRecord,
    Reason,
    TransferDate,
    TransferProposal,
    TransferView,
)
from ..schemas.decision_bodies import Acceptance

router = api_router(prefix="/v1/cases/{case_id}/transfers", tags=["transfers"])
STEP = problem_responses(403, 404, 409, 412, 413)


@router.post("", status_code=201, response_model=CaseView, responses=STEP)
def propose_transfer(case_id: CaseId, body: TransferProposal, step: Step) -> CaseView:
    """Propose handing the case to another authority; only the responsible authority may."""
    outcome = step.app.propose_transfer(
        step.actor, case_id, step.request(body), **body.model_dump()
    )
    location = f"/v1/cases/{case_id}/transfers/{outcome.transfer_id}"
    return step.answer(outcome, location=location)


@router.get("/{transfer_id}", response_model=TransferView, responses=problem_responses(404))
def get_transfer(
    case_id: CaseId, transfer_id: TransferId, actor: CurrentActor, app: App, reads: CaseReads
) -> TransferView:
    """One transfer of the case, with its steps."""
    case, now = app.case(actor, case_id)
    view = TransferView.of(case, case.transfer(transfer_id), now)
    reads.record(case_id)
    return view


@router.post("/{transfer_id}/information-shared", response_model=CaseView, responses=STEP)
def share_information(
    case_id: CaseId, transfer_id: TransferId, body: InformationShareRecord, step: Step
) -> CaseView:
    """The originating authority records what it shared; may be recorded several times."""
    return step.run(Use.share_information, case_id, transfer_id, body=body)


@router.post("/{transfer_id}/information-received", response_model=CaseView, responses=STEP)
def confirm_information_received(case_id: CaseId, transfer_id: TransferId, step: Step) -> CaseView:
    """The receiving authority confirms it has received the information shared."""
    return step.run(Use.confirm_information_received, case_id, transfer_id)


@router.post("/{transfer_id}/date-proposals", response_model=CaseView, responses=STEP)
def propose_transfer_date(
    case_id: CaseId, transfer_id: TransferId, body: TransferDate, step: Step
) -> CaseView:
    """Either authority proposes the date responsibility passes (today or later)."""
    return step.run(Use.propose_transfer_date, case_id, transfer_id, body=body, on=body.date)


@router.post("/{transfer_id}/date-agreement", response_model=CaseView, responses=STEP)
def agree_transfer_date(
    case_id: CaseId, transfer_id: TransferId, body: TransferDate, step: Step
) -> CaseView:
    """The other authority agrees the proposed date; the body repeats the date agreed."""
    return step.run(Use.agree_transfer_date, case_id, transfer_id, body=body, on=body.date)


@router.post("/{transfer_id}/acceptance", response_model=CaseView, responses=STEP)
def accept_responsibility(
    case_id: CaseId, transfer_id: TransferId, step: Step, body: Acceptance | None = None
) -> CaseView:
    """The receiving authority accepts; responsibility passes at the effective instant.

    For a day already begun that is `CASE_TRANSFER_SETTLE_MARGIN_SECONDS` (5) after the
    acceptance is recorded, and the transfer is final at once.

    The body names (``open_matters``) each disputed strategy discussion and each open
    professional difference on the case, or 409 ``open-matters-not-acknowledged`` lists
    those not named (rule 15). Without any, no body is needed.
    """
    if body is None:
        return step.run(Use.accept_responsibility, case_id, transfer_id)
    return step.run(Use.accept_responsibility, case_id, transfer_id, body=body)


@router.post("/{transfer_id}/decline", response_model=CaseView, responses=STEP)
def decline_transfer(
    case_id: CaseId, transfer_id: TransferId, body: Reason, step: Step
) -> CaseView:
    """The receiving authority declines; the originating authority stays responsible."""
    return step.run(Use.decline_transfer, case_id, transfer_id, body=body)


@router.post("/{transfer_id}/withdrawal", response_model=CaseView, responses=STEP)
def withdraw_transfer(
    case_id: CaseId, transfer_id: TransferId, body: Reason, step: Step
) -> CaseView:
    """The originating authority withdraws, only before the effective instant, and not
    once a transfer is accepted for a day already begun (409 `transfer-complete`)."""
    return step.run(Use.withdraw_transfer, case_id, transfer_id, body=body)
