"""Strategy discussions and professional differences through the client, with partner
agencies' own principals (police, hospital), and rule 15 at the acceptance."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from client_steps import assess, open_case, propose, today, transfer_id
from client_support import Service

from case_transfer_client import AsyncCaseTransferClient, CaseTransferClient, RuleRefusedError
from case_transfer_client.decision_models import DiscussionView
from case_transfer_client.decision_routes import InvitedAgency
from case_transfer_client.models import CaseView

POLICE, HOSPITAL = "police-avon-somerset", "hospital-musgrove"
INVITED: list[InvitedAgency] = [
    {"code": POLICE, "kind": "police", "name": "Avon and Somerset Police"},
    {"code": HOSPITAL, "kind": "hospital", "name": "Musgrove Park Hospital"},
    {"code": "gp-riverside", "kind": "gp", "name": "Riverside Surgery"},
]
Connect = Callable[..., CaseTransferClient]


def now(**delta: float) -> datetime:
    return datetime.now(tz=UTC) + timedelta(**delta)


def minuted(somerset: CaseTransferClient, case: CaseView) -> DiscussionView:
    """A discussion convened, held (Somerset, the police and the hospital attending) and
    its minutes circulated to every agency."""
    convened = somerset.convene_discussion(
        case.case_id,
        scheduled_for=now(hours=1),
        mode="virtual",
        chair="Team manager, Somerset MASH",
        reason="Unexplained bruising to a 10-week-old baby.",
        invited=INVITED,
    )
    assert convened.answered is not None and convened.answered.status_code == 201
    assert convened.outcome is None and convened.missing_agencies == []
    held = somerset.record_discussion_outcome(
        case.case_id,
        convened.discussion_id,
        held_at=now(minutes=-1),
        attended=["933", POLICE, HOSPITAL],
        outcome="section-47-enquiry",
        rationale="Injury to a non-mobile baby without an explanation.",
    )
    assert held.outcome is not None and held.outcome.not_attended == ["gp-riverside"]
    return somerset.circulate_minutes(
        case.case_id,
        convened.discussion_id,
        to=[a["code"] for a in INVITED],
        circulated_at=now(seconds=-1),
    )


def test_a_partner_acknowledges_another_dissents_then_withdraws(
    somerset: CaseTransferClient, connect: Connect
) -> None:
    police, hospital = connect("police"), connect("hospital")
    case = open_case(somerset)
    discussion = minuted(somerset, case)
    assert discussion.minutes.to_everyone
    assert {a.agency for a in discussion.awaiting_acknowledgement} == {POLICE, HOSPITAL}

    owed = police.worklist()
    assert owed.authority is None and owed.agency == POLICE
    item = next(i for i in owed.items if i.discussion_id == discussion.discussion_id)
    assert (item.case_id, item.counterpart.code if item.counterpart else None) == (
        case.case_id,
        "933",
    )

    police.acknowledge_minutes(case.case_id, discussion.discussion_id)
    disputed = hospital.record_dissent(
        case.case_id,
        discussion.discussion_id,
        account="We left believing a section 47 enquiry would start at once.",
        understood_outcome="section-47-enquiry",
    )
    assert disputed.disputed and disputed.acknowledgements[0].agency == POLICE
    (dissent,) = disputed.dissents
    assert (dissent.agency, dissent.status, dissent.on_behalf) == (HOSPITAL, "open", False)
    assert disputed.answered is not None and disputed.answered.location is not None
    assert disputed.answered.location.endswith(str(dissent.dissent_id))

    seen = hospital.list_discussions(case.case_id)
    assert [d.discussion_id for d in seen.items] == [discussion.discussion_id]
    withdrawn = hospital.withdraw_dissent(
        case.case_id, discussion.discussion_id, dissent.dissent_id
    )
    assert not withdrawn.disputed and withdrawn.dissents[0].status == "withdrawn"
    again = somerset.get_discussion(case.case_id, discussion.discussion_id)
    assert again.model_dump() == withdrawn.model_dump()


def test_a_difference_is_raised_answered_escalated_and_closed(
    somerset: CaseTransferClient, connect: Connect
) -> None:
    hospital = connect("hospital")
    case = open_case(somerset)
    discussion = minuted(somerset, case)
    raised = hospital.raise_difference(
        case.case_id,
        responded_by="933",
        about="The outcome recorded after the strategy discussion.",
        discussion_id=discussion.discussion_id,
        disputed="No enquiry has started; we agreed a section 47 enquiry.",
        outcome_sought="A section 47 enquiry.",
        held_by="Named nurse for safeguarding",
    )
    assert (raised.status, raised.stage, raised.raised_by) == ("open", 1, HOSPITAL)
    assert raised.due_on is not None and not raised.overdue

    answered = somerset.respond_to_difference(
        case.case_id, raised.difference_id, "The enquiry starts on Monday."
    )
    assert [r.responded_by for r in answered.responses] == ["933"]
    escalated = hospital.escalate_difference(
        case.case_id, raised.difference_id, held_by="Head of safeguarding", reason="Too late."
    )
    assert (escalated.stage, escalated.held_by) == (2, "Head of safeguarding")
    assert [s.stage for s in escalated.stages] == [1, 2]
    statement = "A section 47 enquiry starts today."
    half = somerset.resolve_difference(case.case_id, raised.difference_id, statement)
    assert (half.status, half.acknowledged_by) == ("open", ["933"])
    closed = hospital.close_difference_unresolved(
        case.case_id, raised.difference_id, "Referred to the partnership."
    )
    assert (closed.status, closed.closure_reason) == (
        "closed-unresolved",
        "Referred to the partnership.",
    )
    listed = somerset.list_differences(case.case_id)
    shown = somerset.get_difference(case.case_id, raised.difference_id)
    assert [d.model_dump() for d in listed.items] == [shown.model_dump()]


def test_an_acceptance_names_the_open_matters_or_is_refused(
    somerset: CaseTransferClient, bristol: CaseTransferClient, connect: Connect
) -> None:
    hospital = connect("hospital")
    case = assess(somerset, open_case(somerset))
    discussion = minuted(somerset, case)
    hospital.record_dissent(
        case.case_id, discussion.discussion_id, account="We understood an enquiry would start."
    )
    difference = hospital.raise_difference(
        case.case_id,
        responded_by="933",
        about="The outcome.",
        disputed="No enquiry.",
        outcome_sought="An enquiry.",
        held_by="Named nurse",
    )
    transfer = transfer_id(propose(somerset, case))
    somerset.share_information(case.case_id, transfer, categories=["assessment"], shared_on=today())
    bristol.confirm_information_received(case.case_id, transfer)
    somerset.propose_transfer_date(case.case_id, transfer, today())
    bristol.agree_transfer_date(case.case_id, transfer, today())

    with pytest.raises(RuleRefusedError) as refused:
        bristol.accept_transfer(case.case_id, transfer)
    assert refused.value.code == "open-matters-not-acknowledged"
    problem = refused.value.problem
    assert (problem.discussions, problem.differences) == (
        [str(discussion.discussion_id)],
        [str(difference.difference_id)],
    )
    matters = [discussion.discussion_id, difference.difference_id]
    accepted = bristol.accept_transfer(case.case_id, transfer, open_matters=matters)
    assert accepted.responsible_authority is not None
    assert accepted.responsible_authority.code == "801"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_the_async_client_reads_a_partner_s_discussions_and_worklist(
    somerset: CaseTransferClient, service: Service
) -> None:
    case = open_case(somerset)
    discussion = minuted(somerset, case)
    async with AsyncCaseTransferClient(service.url, service.tokens["police"]) as police:
        seen = await police.list_discussions(case.case_id)
        owed = [i async for i in police.iter_worklist() if i.case_id == case.case_id]
    assert [d.discussion_id for d in seen.items] == [discussion.discussion_id]
    assert [i.discussion_id for i in owed] == [discussion.discussion_id]
