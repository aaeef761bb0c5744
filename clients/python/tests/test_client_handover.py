"""A whole hand-over through the client: Somerset opens and proposes, Bristol accepts."""

from __future__ import annotations

from client_steps import assess, open_case, propose, today, transfer_id

from case_transfer_client import CaseTransferClient
from case_transfer_client.event_data import CaseOpenedData, ResponsibilityAcceptedData


def test_a_case_is_handed_over_from_opening_to_acceptance(
    somerset: CaseTransferClient, bristol: CaseTransferClient
) -> None:
    case = open_case(somerset)
    assert case.status == "open"
    assert case.responsible_authority is not None
    assert case.responsible_authority.code == "933"
    assert case.answered is not None and case.answered.status_code == 201
    assert case.answered.location == f"/v1/cases/{case.case_id}"

    assess(somerset, case)
    proposed = propose(somerset, case)
    assert proposed.answered is not None and proposed.answered.status_code == 201
    transfer = transfer_id(proposed)
    somerset.share_information(
        case.case_id, transfer, categories=["assessment", "chronology"], shared_on=today()
    )
    bristol.confirm_information_received(case.case_id, transfer)
    somerset.propose_transfer_date(case.case_id, transfer, today())
    bristol.agree_transfer_date(case.case_id, transfer, today())
    accepted = bristol.accept_transfer(case.case_id, transfer)

    assert accepted.responsible_authority is not None
    assert accepted.responsible_authority.code == "801"
    view = bristol.get_transfer(case.case_id, transfer)
    assert (view.stage, view.accepted, view.information_received) == ("completed", True, True)
    assert somerset.responsibility(case.case_id).authority is not None
    timeline = bristol.timeline(case.case_id)
    assert [i.authority.code for i in timeline.intervals] == ["933", "801"]
    events = bristol.history(case.case_id).events
    assert events[0].type == "CaseOpened" and events[-1].type == "ResponsibilityAccepted"
    assert isinstance(events[0].data, CaseOpenedData)  # typed by the entry's type
    assert events[0].data.nhs_number == case.child.nhs_number
    acceptance = events[-1].data
    assert isinstance(acceptance, ResponsibilityAcceptedData)
    assert (str(acceptance.transfer_id), acceptance.effective_at) == (transfer, view.effective_at)
    assert bristol.history_csv(case.case_id).splitlines()[0].startswith("position")
