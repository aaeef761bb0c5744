"""Routes of /v1/cases/{case_id}/transfers: every step of a hand-over."""

from __future__ import annotations

from fastapi import APIRouter, Response

from ..access import CaseReads
from ..answers import case_answer
from ..deps import App, CaseId, Change, CurrentActor, TransferId
from ..problems import problem_responses
from ..schemas import (
    CaseView,
    InformationShareRecord,
    Reason,
    TransferDate,
    TransferProposal,
    TransferView,
)

router = APIRouter(prefix="/v1/cases/{case_id}/transfers", tags=["transfers"])
STEP = problem_responses(403, 404, 409, 412, 413)


@router.post("", status_code=201, response_model=CaseView, responses=STEP)
def propose_transfer(
    case_id: CaseId, body: TransferProposal, change: Change, app: App, response: Response
) -> CaseView:
    """Propose handing the case to another authority; only the responsible authority may."""
    outcome = app.propose_transfer(
        change.actor,
        case_id,
        change.request(body),
        to_authority=body.to_authority,
        reason=body.reason,
    )
    location = f"/v1/cases/{case_id}/transfers/{outcome.transfer_id}"
    return case_answer(outcome, response, location=location)


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
    case_id: CaseId,
    transfer_id: TransferId,
    body: InformationShareRecord,
    change: Change,
    app: App,
    response: Response,
) -> CaseView:
    """The originating authority records what it shared; may be recorded several times."""
    outcome = app.share_information(
        change.actor,
        case_id,
        transfer_id,
        change.request(body),
        categories=body.categories,
        references=body.references,
        shared_on=body.shared_on,
        note=body.note,
    )
    return case_answer(outcome, response)


@router.post("/{transfer_id}/information-received", response_model=CaseView, responses=STEP)
def confirm_information_received(
    case_id: CaseId, transfer_id: TransferId, change: Change, app: App, response: Response
) -> CaseView:
    """The receiving authority confirms it has received the information shared."""
    outcome = app.confirm_information_received(change.actor, case_id, transfer_id, change.request())
    return case_answer(outcome, response)


@router.post("/{transfer_id}/date-proposals", response_model=CaseView, responses=STEP)
def propose_transfer_date(
    case_id: CaseId,
    transfer_id: TransferId,
    body: TransferDate,
    change: Change,
    app: App,
    response: Response,
) -> CaseView:
    """Either authority proposes the date responsibility passes (today or later)."""
    outcome = app.propose_transfer_date(
        change.actor, case_id, transfer_id, change.request(body), on=body.date
    )
    return case_answer(outcome, response)


@router.post("/{transfer_id}/date-agreement", response_model=CaseView, responses=STEP)
def agree_transfer_date(
    case_id: CaseId,
    transfer_id: TransferId,
    body: TransferDate,
    change: Change,
    app: App,
    response: Response,
) -> CaseView:
    """The other authority agrees the proposed date; the body repeats the date agreed."""
    outcome = app.agree_transfer_date(
        change.actor, case_id, transfer_id, change.request(body), on=body.date
    )
    return case_answer(outcome, response)


@router.post("/{transfer_id}/acceptance", response_model=CaseView, responses=STEP)
def accept_responsibility(
    case_id: CaseId, transfer_id: TransferId, change: Change, app: App, response: Response
) -> CaseView:
    """The receiving authority accepts; responsibility passes at the effective instant."""
    outcome = app.accept_responsibility(change.actor, case_id, transfer_id, change.request())
    return case_answer(outcome, response)


@router.post("/{transfer_id}/decline", response_model=CaseView, responses=STEP)
def decline_transfer(
    case_id: CaseId,
    transfer_id: TransferId,
    body: Reason,
    change: Change,
    app: App,
    response: Response,
) -> CaseView:
    """The receiving authority declines; the originating authority stays responsible."""
    outcome = app.decline_transfer(
        change.actor, case_id, transfer_id, change.request(body), reason=body.reason
    )
    return case_answer(outcome, response)


@router.post("/{transfer_id}/withdrawal", response_model=CaseView, responses=STEP)
def withdraw_transfer(
    case_id: CaseId,
    transfer_id: TransferId,
    body: Reason,
    change: Change,
    app: App,
    response: Response,
) -> CaseView:
    """The originating authority withdraws, only before the effective instant."""
    outcome = app.withdraw_transfer(
        change.actor, case_id, transfer_id, change.request(body), reason=body.reason
    )
    return case_answer(outcome, response)
