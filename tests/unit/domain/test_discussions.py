"""Strategy discussions: rules 11 (outcome decided at the discussion), 12 (minutes reach
everyone; acknowledgements and dissents) and 13 (who should be there is visible)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

import pytest

from service.domain.case import Case
from service.domain.case.discussion import Agency
from service.domain.errors import Forbidden, InvalidInput, NotFound, RuleViolation

from .conftest import AUDITOR, BRISTOL, HOUR, MASH, SOMERSET, T0, event_types, new_events, replay
from .decisions_support import (
    HOSPITAL,
    HOSPITAL_AGENCY,
    POLICE,
    POLICE_AGENCY,
    SCHOOL,
    circulate,
    convene,
    dissent,
    hold,
    minuted,
)

LATER = T0 + 5 * HOUR


class TestConvening:
    def test_the_responsible_authority_convenes_with_its_invitations(self, case: Case) -> None:
        discussion_id = convene(case)
        [convened] = new_events(case)
        assert isinstance(convened, Case.StrategyDiscussionConvened)
        assert convened.authority == "933"
        discussion = case.discussion(discussion_id)
        assert discussion.invited_codes() == {
            "police-avon-somerset",
            "hospital-musgrove",
            "gp-riverside",
        }

    def test_only_the_responsible_authority_convenes(self, case: Case) -> None:
        with pytest.raises(RuleViolation) as refused:
            convene(case, by=BRISTOL)
        assert refused.value.code == "not-responsible-authority"

    @pytest.mark.parametrize("actor", [MASH, AUDITOR, POLICE])
    def test_other_roles_do_not_convene(self, case: Case, actor: object) -> None:
        with pytest.raises(Forbidden):
            convene(case, by=actor)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("overrides", "code"),
        [
            ({"mode": "letter"}, "unknown-mode"),
            ({"invited": []}, "invited-agencies-required"),
            ({"invited": [POLICE_AGENCY, POLICE_AGENCY]}, "agency-invited-twice"),
            ({"invited": [Agency("x-1", "astrologer", "X")]}, "unknown-agency-kind"),
        ],
    )
    def test_malformed_invitations_are_refused(
        self, case: Case, overrides: dict[str, Any], code: str
    ) -> None:
        with pytest.raises(InvalidInput) as refused:
            convene(case, **overrides)
        assert refused.value.code == code


class TestMissingAgencies:
    """Rule 13: a warning in the view, never a refusal."""

    def test_a_discussion_without_the_gp_says_so(self, case: Case) -> None:
        discussion_id = convene(case, invited=[POLICE_AGENCY, HOSPITAL_AGENCY])
        assert case.discussion(discussion_id).missing_agencies() == ["gp"]

    def test_without_police_and_health_it_names_them(self, case: Case) -> None:
        discussion_id = convene(case, invited=[Agency("school-taunton", "school", "Taunton")])
        assert case.discussion(discussion_id).missing_agencies() == ["police", "health", "gp"]

    def test_everyone_expected_invited_gives_no_warning(self, case: Case) -> None:
        assert case.discussion(convene(case)).missing_agencies() == []


class TestOutcome:
    """Rule 11: one outcome from the closed list, with a rationale, recorded once."""

    def test_the_outcome_is_recorded_with_attendance(self, case: Case) -> None:
        discussion_id = convene(case)
        hold(case, discussion_id)
        outcome = case.discussion(discussion_id).outcome
        assert outcome is not None and outcome.outcome == "section-47-enquiry"
        assert case.discussion(discussion_id).attending() == [
            "police-avon-somerset",
            "hospital-musgrove",
        ]

    def test_an_outcome_is_never_changed(self, case: Case) -> None:
        discussion_id = convene(case)
        hold(case, discussion_id)
        with pytest.raises(RuleViolation) as refused:
            hold(case, discussion_id, outcome="no-further-action", now=LATER)
        assert refused.value.code == "outcome-already-recorded"

    @pytest.mark.parametrize(
        ("overrides", "code"),
        [
            ({"outcome": "wait-and-see"}, "unknown-outcome"),
            ({"outcome": "other"}, "outcome-text-required"),
            ({"attended": ["somebody-else"]}, "agency-not-invited"),
            ({"held_at": T0 + 9 * HOUR}, "instant-in-future"),
            ({"follow_up_on": date(2026, 11, 25)}, "follow-up-date-in-past"),
        ],
    )
    def test_malformed_outcomes_are_refused(
        self, case: Case, overrides: dict[str, Any], code: str
    ) -> None:
        discussion_id = convene(case)
        with pytest.raises(InvalidInput) as refused:
            hold(case, discussion_id, **overrides)
        assert refused.value.code == code

    def test_other_needs_its_own_words(self, case: Case) -> None:
        discussion_id = convene(case)
        hold(case, discussion_id, outcome="other", outcome_text="Family group conference")
        outcome = case.discussion(discussion_id).outcome
        assert outcome is not None and outcome.outcome_text == "Family group conference"

    def test_only_the_responsible_authority_records_it(self, case: Case) -> None:
        discussion_id = convene(case)
        with pytest.raises(Forbidden):
            hold(case, discussion_id, by=POLICE)

    def test_an_unknown_discussion_is_not_found(self, case: Case) -> None:
        with pytest.raises(NotFound) as refused:
            hold(case, uuid4())
        assert refused.value.code == "discussion-not-found"


class TestMinutes:
    """Rule 12: minutes go to every agency invited and every agency that attended."""

    def test_minutes_to_everyone_invited_and_attending(self, case: Case) -> None:
        discussion_id = minuted(case)
        assert case.discussion(discussion_id).minutes_to_everyone()

    def test_minutes_missing_the_gp_are_not_to_everyone(self, case: Case) -> None:
        discussion_id = convene(case)
        hold(case, discussion_id)
        circulate(case, discussion_id, to=["police-avon-somerset", "hospital-musgrove"])
        assert not case.discussion(discussion_id).minutes_to_everyone()

    def test_no_minutes_before_the_outcome(self, case: Case) -> None:
        discussion_id = convene(case)
        with pytest.raises(RuleViolation) as refused:
            circulate(case, discussion_id)
        assert refused.value.code == "strategy-outcome-pending"


class TestAcknowledgements:
    def test_an_attending_partner_acknowledges(self, case: Case) -> None:
        discussion_id = minuted(case)
        case.acknowledge_minutes(by=POLICE, now=LATER, discussion_id=discussion_id)
        assert set(case.discussion(discussion_id).acknowledgements) == {"police-avon-somerset"}

    def test_the_convener_records_one_on_an_agencys_behalf_saying_how(self, case: Case) -> None:
        discussion_id = minuted(case)
        case.acknowledge_minutes(
            by=SOMERSET,
            now=LATER,
            discussion_id=discussion_id,
            agency="hospital-musgrove",
            obtained_how="Telephone call with the named nurse.",
        )
        ack = case.discussion(discussion_id).acknowledgements["hospital-musgrove"]
        assert ack.obtained_how == "Telephone call with the named nurse."

    def test_on_behalf_needs_how_it_was_obtained(self, case: Case) -> None:
        discussion_id = minuted(case)
        with pytest.raises(InvalidInput) as refused:
            case.acknowledge_minutes(
                by=SOMERSET, now=LATER, discussion_id=discussion_id, agency="hospital-musgrove"
            )
        assert refused.value.code == "obtained-how-required"

    def test_an_agency_that_did_not_attend_does_not_acknowledge(self, case: Case) -> None:
        discussion_id = convene(
            case, invited=[POLICE_AGENCY, HOSPITAL_AGENCY, Agency("school-taunton", "school", "T")]
        )
        hold(case, discussion_id)
        circulate(
            case, discussion_id, to=["police-avon-somerset", "hospital-musgrove", "school-taunton"]
        )
        with pytest.raises(RuleViolation) as refused:
            case.acknowledge_minutes(by=SCHOOL, now=LATER, discussion_id=discussion_id)
        assert refused.value.code == "not-attending-agency"

    def test_a_partner_acknowledges_only_for_itself(self, case: Case) -> None:
        discussion_id = minuted(case)
        with pytest.raises(RuleViolation) as refused:
            case.acknowledge_minutes(
                by=POLICE, now=LATER, discussion_id=discussion_id, agency="hospital-musgrove"
            )
        assert refused.value.code == "not-attending-agency"

    def test_not_before_the_minutes_reach_the_agency(self, case: Case) -> None:
        discussion_id = convene(case)
        hold(case, discussion_id)
        circulate(case, discussion_id, to=["hospital-musgrove"])
        with pytest.raises(RuleViolation) as refused:
            case.acknowledge_minutes(by=POLICE, now=LATER, discussion_id=discussion_id)
        assert refused.value.code == "minutes-not-circulated"

    def test_once(self, case: Case) -> None:
        discussion_id = minuted(case)
        case.acknowledge_minutes(by=POLICE, now=LATER, discussion_id=discussion_id)
        with pytest.raises(RuleViolation) as refused:
            case.acknowledge_minutes(by=POLICE, now=LATER, discussion_id=discussion_id)
        assert refused.value.code == "already-acknowledged"

    def test_not_while_the_agencys_dissent_stands(self, case: Case) -> None:
        discussion_id = minuted(case)
        dissent(case, discussion_id, now=LATER)
        with pytest.raises(RuleViolation) as refused:
            case.acknowledge_minutes(by=HOSPITAL, now=LATER, discussion_id=discussion_id)
        assert refused.value.code == "dissent-not-withdrawn"


class TestDissent:
    """Rule 12: a dissent never replaces the outcome; disputed until withdrawn or settled."""

    def test_a_dissent_disputes_the_outcome_without_changing_it(self, case: Case) -> None:
        discussion_id = minuted(case)
        dissent(case, discussion_id, now=LATER)
        discussion = case.discussion(discussion_id)
        assert discussion.disputed
        assert discussion.outcome is not None and discussion.outcome.outcome == "section-47-enquiry"

    def test_the_outcome_it_understood_is_from_the_list(self, case: Case) -> None:
        discussion_id = minuted(case)
        with pytest.raises(InvalidInput) as refused:
            case.record_dissent(
                by=HOSPITAL,
                now=LATER,
                discussion_id=discussion_id,
                account="x",
                understood_outcome="a-hunch",
            )
        assert refused.value.code == "unknown-understood-outcome"

    def test_withdrawn_by_its_agency_the_outcome_is_no_longer_disputed(self, case: Case) -> None:
        discussion_id = minuted(case)
        dissent_id = dissent(case, discussion_id, now=LATER)
        case.withdraw_dissent(
            by=HOSPITAL, now=LATER, discussion_id=discussion_id, dissent_id=dissent_id
        )
        assert not case.discussion(discussion_id).disputed

    @pytest.mark.parametrize("actor", [POLICE, SOMERSET])
    def test_only_its_agency_withdraws_it(self, case: Case, actor: object) -> None:
        discussion_id = minuted(case)
        dissent_id = dissent(case, discussion_id, now=LATER)
        with pytest.raises(RuleViolation) as refused:
            case.withdraw_dissent(
                by=actor,  # type: ignore[arg-type]
                now=LATER,
                discussion_id=discussion_id,
                dissent_id=dissent_id,
                obtained_how="They said so.",
            )
        assert refused.value.code == "not-dissenting-agency"

    def test_withdrawn_once(self, case: Case) -> None:
        discussion_id = minuted(case)
        dissent_id = dissent(case, discussion_id, now=LATER)
        kwargs = {"now": LATER, "discussion_id": discussion_id, "dissent_id": dissent_id}
        case.withdraw_dissent(by=HOSPITAL, **kwargs)  # type: ignore[arg-type]
        with pytest.raises(RuleViolation) as refused:
            case.withdraw_dissent(by=HOSPITAL, **kwargs)  # type: ignore[arg-type]
        assert refused.value.code == "dissent-not-open"

    def test_an_unknown_dissent_is_not_found(self, case: Case) -> None:
        discussion_id = minuted(case)
        with pytest.raises(NotFound) as refused:
            case.withdraw_dissent(
                by=HOSPITAL, now=LATER, discussion_id=discussion_id, dissent_id=uuid4()
            )
        assert refused.value.code == "dissent-not-found"

    def test_the_events_replay_to_the_same_discussion(self) -> None:
        from .conftest import open_case

        case = open_case()
        discussion_id = minuted(case)
        dissent(case, discussion_id, now=LATER)
        case.acknowledge_minutes(by=POLICE, now=LATER, discussion_id=discussion_id)
        events = new_events(case)
        assert Case.DissentRecorded in event_types(events)
        assert replay(events).discussion(discussion_id) == case.discussion(discussion_id)
