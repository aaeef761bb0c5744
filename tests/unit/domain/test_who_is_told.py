"""Who is told of each event, judged on the case as it stands once the event is recorded,
by the access policy the reads use: authorities that are parties, and partner agencies
for the discussions they are invited to and the differences they are a side of."""

from __future__ import annotations

from typing import Any

import pytest

from service.domain.access import may_see_event
from service.domain.case import Case
from service.domain.notifications import (
    DECISION_FIELDS,
    Audience,
    Subscriber,
    audience,
    entitled,
    shown_fields,
    subscriber_of,
)

from .conftest import BRISTOL, DAY, HOUR, SOMERSET, T0, open_case, propose
from .decisions_support import (
    GP_AGENCY,
    HOSPITAL,
    POLICE,
    POLICE_AGENCY,
    SCHOOL_AGENCY,
    circulate,
    convene,
    dissent,
    hold,
    raise_difference,
)

POLICE_SUB = Subscriber("partner", "police-avon-somerset")
HOSPITAL_SUB = Subscriber("partner", "hospital-musgrove")
SCHOOL_SUB = Subscriber("partner", "school-taunton")
SOMERSET_SUB = Subscriber("authority", "933")
BRISTOL_SUB = Subscriber("authority", "801")


def told_of(case: Case) -> list[tuple[str, Audience]]:
    """Each event of ``case`` (its type) and who is told of it, replayed one at a time."""
    events = list(case.collect_events())
    told: list[tuple[str, Audience]] = []
    known: Any = None
    for event in events:
        known = event.mutate(known)
        told.append((type(event).__name__, audience(known, vars(event))))
    return told


def heard(told: list[tuple[str, Audience]], subscriber: Subscriber) -> list[str]:
    return [event_type for event_type, audience in told if entitled(subscriber, audience)]


@pytest.fixture
def two_discussions() -> Case:
    """Opened, a discussion with the police and GP held and minuted, the
    police dissenting; a second discussion with the school alone, held; a transfer
    proposed to Bristol."""
    case = open_case()
    first = convene(case, now=T0, invited=[POLICE_AGENCY, GP_AGENCY])
    second = convene(case, now=T0 + HOUR, invited=[SCHOOL_AGENCY])
    hold(case, first, attended=["933", "police-avon-somerset"], now=T0 + 2 * HOUR)
    circulate(case, first, to=["police-avon-somerset", "gp-riverside"], now=T0 + 3 * HOUR)
    dissent(case, first, by=POLICE, now=T0 + 4 * HOUR)
    hold(case, second, attended=["933", "school-taunton"], now=T0 + 5 * HOUR)
    propose(case, now=T0 + DAY)
    return case


class TestPartners:
    def test_an_invited_partner_hears_of_its_discussion_only(self, two_discussions: Case) -> None:
        told = told_of(two_discussions)
        assert heard(told, POLICE_SUB) == [
            "StrategyDiscussionConvened",
            "StrategyOutcomeRecorded",
            "MinutesCirculated",
            "DissentRecorded",
        ]
        assert heard(told, SCHOOL_SUB) == ["StrategyDiscussionConvened", "StrategyOutcomeRecorded"]
        assert heard(told, HOSPITAL_SUB) == []  # invited to neither

    def test_no_partner_hears_of_the_case_or_its_transfers(self, two_discussions: Case) -> None:
        for event_type, told in told_of(two_discussions):
            if event_type in ("CaseOpened", "TransferProposed"):
                assert told.told["partner"] == frozenset()
                assert told.roles() == ["authority"]

    def test_the_sides_of_a_difference_hear_of_it(self) -> None:
        case = open_case()
        discussion_id = convene(case, now=T0)  # police, hospital, GP
        hold(case, discussion_id, now=T0 + 2 * HOUR)
        raise_difference(case, by=HOSPITAL, now=T0 + 3 * HOUR, discussion_id=discussion_id)
        told = told_of(case)
        assert heard(told, HOSPITAL_SUB)[-1] == "ProfessionalDifferenceRaised"
        # Invited to the discussion the difference is about, but no side of it.
        assert "ProfessionalDifferenceRaised" not in heard(told, POLICE_SUB)
        assert heard(told, SOMERSET_SUB)[-1] == "ProfessionalDifferenceRaised"

    def test_a_side_not_invited_to_any_discussion_hears_of_its_difference(self) -> None:
        case = open_case()
        convene(case, now=T0, invited=[POLICE_AGENCY])
        raise_difference(case, by=POLICE, responded_by="933", now=T0 + HOUR)
        raised = told_of(case)[-1][1]
        assert entitled(POLICE_SUB, raised)
        assert not entitled(HOSPITAL_SUB, raised)


class TestAuthorities:
    def test_parties_hear_of_everything_and_the_receiver_from_the_proposal_on(
        self, two_discussions: Case
    ) -> None:
        told = told_of(two_discussions)
        assert heard(told, SOMERSET_SUB) == [event_type for event_type, _ in told]
        assert heard(told, BRISTOL_SUB) == ["TransferProposed"]
        assert not heard(told, Subscriber("authority", "383"))


class TestThePolicy:
    def test_a_partner_sees_an_event_as_the_reads_show_it(self, two_discussions: Case) -> None:
        (first, second) = list(two_discussions.discussions)
        assert may_see_event(POLICE, two_discussions, discussion_id=first)
        assert not may_see_event(POLICE, two_discussions, discussion_id=second)
        assert not may_see_event(POLICE, two_discussions)  # the case itself
        assert may_see_event(SOMERSET, two_discussions, discussion_id=second)
        assert not may_see_event(BRISTOL, open_case(), discussion_id=first)

    def test_partners_register_endpoints_for_their_agency(self) -> None:
        assert subscriber_of(POLICE) == POLICE_SUB


class TestFields:
    def test_a_partner_gets_identifiers_codes_and_dates_never_free_text(self) -> None:
        data: dict[str, object] = {
            "discussion_id": "d",
            "dissent_id": "x",
            "agency": "police-avon-somerset",
            "understood_outcome": "section-47-enquiry",
            "account": "We left believing a section 47 enquiry would start.",
            "transfer_id": "t",
            "nhs_number": "9434765919",
        }
        shown = shown_fields(data, "partner")
        assert set(shown) == {"discussion_id", "dissent_id", "agency", "understood_outcome"}
        assert set(shown_fields(data, "authority")) == set(shown) | {"transfer_id"}

    def test_no_free_text_of_a_decision_is_shown(self) -> None:
        free_text = {"chair", "reason", "rationale", "outcome_text", "account", "response"}
        free_text |= {"about", "disputed", "outcome_sought", "held_by", "outcome_statement"}
        assert not free_text & DECISION_FIELDS
