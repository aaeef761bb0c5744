"""Professional differences (rule 14) and the hand-over with no hidden disagreement (rule 15)."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from service.domain.case import Case
from service.domain.case.difference import CLOSED_UNRESOLVED, RESOLVED
from service.domain.errors import Forbidden, InvalidInput, NotFound, RuleViolation

from .conftest import (
    BRISTOL,
    DAY,
    HOUR,
    MASH,
    SOMERSET,
    T0,
    Walk,
    event_types,
    new_events,
    propose,
    ready_to_accept,
)
from .decisions_support import (
    HOSPITAL,
    POLICE,
    SCHOOL,
    convene,
    dissent,
    hold,
    minuted,
    raise_difference,
)

LATER = T0 + 5 * HOUR


@pytest.fixture
def discussed(case: Case) -> Case:
    minuted(case)
    return case


class TestRaising:
    def test_an_invited_partner_raises_one_at_stage_one(self, discussed: Case) -> None:
        difference_id = raise_difference(discussed, now=LATER)
        difference = discussed.difference(difference_id)
        assert (difference.raised_by, difference.responded_by) == ("hospital-musgrove", "933")
        assert (
            difference.stage == 1 and difference.stages[0].held_by == "Named nurse for safeguarding"
        )

    def test_a_party_authority_raises_one_with_a_partner(self, discussed: Case) -> None:
        difference_id = raise_difference(
            discussed, by=SOMERSET, now=LATER, responded_by="police-avon-somerset"
        )
        assert discussed.difference(difference_id).raised_by == "933"

    def test_a_partner_not_taking_part_cannot(self, discussed: Case) -> None:
        with pytest.raises(RuleViolation) as refused:
            raise_difference(discussed, by=SCHOOL, now=LATER)
        assert refused.value.code == "not-taking-part"

    def test_with_an_agency_not_taking_part_is_refused(self, discussed: Case) -> None:
        with pytest.raises(RuleViolation) as refused:
            raise_difference(discussed, now=LATER, responded_by="school-taunton")
        assert refused.value.code == "not-taking-part"

    def test_not_with_itself(self, discussed: Case) -> None:
        with pytest.raises(InvalidInput) as refused:
            raise_difference(discussed, now=LATER, responded_by="hospital-musgrove")
        assert refused.value.code == "difference-with-itself"

    def test_the_mash_reads_but_does_not_raise(self, discussed: Case) -> None:
        with pytest.raises(Forbidden):
            raise_difference(discussed, by=MASH, now=LATER)

    def test_about_an_unknown_discussion_is_not_found(self, discussed: Case) -> None:
        with pytest.raises(NotFound) as refused:
            raise_difference(discussed, now=LATER, discussion_id=uuid4())
        assert refused.value.code == "discussion-not-found"


class TestMovingForward:
    def test_the_other_agency_responds(self, discussed: Case) -> None:
        difference_id = raise_difference(discussed, now=LATER)
        discussed.respond_to_difference(
            by=SOMERSET, now=LATER, difference_id=difference_id, response="We disagree."
        )
        assert discussed.difference(difference_id).responded_at_stage()

    def test_the_agency_that_raised_it_does_not_respond(self, discussed: Case) -> None:
        difference_id = raise_difference(discussed, now=LATER)
        with pytest.raises(RuleViolation) as refused:
            discussed.respond_to_difference(
                by=HOSPITAL, now=LATER, difference_id=difference_id, response="x"
            )
        assert refused.value.code == "not-responding-agency"

    def test_either_side_escalates_up_to_stage_four(self, discussed: Case) -> None:
        difference_id = raise_difference(discussed, now=LATER)
        for stage, side in ((2, HOSPITAL), (3, SOMERSET), (4, HOSPITAL)):
            assert stage == discussed.escalate_difference(
                by=side,
                now=LATER,
                difference_id=difference_id,
                held_by=f"Head {stage}",
                reason="Stuck.",
            )
        with pytest.raises(RuleViolation) as refused:
            discussed.escalate_difference(
                by=SOMERSET, now=LATER, difference_id=difference_id, held_by="x", reason="y"
            )
        assert refused.value.code == "difference-at-final-stage"

    def test_only_the_two_sides_act(self, discussed: Case) -> None:
        difference_id = raise_difference(discussed, now=LATER)
        with pytest.raises(RuleViolation) as refused:
            discussed.escalate_difference(
                by=POLICE, now=LATER, difference_id=difference_id, held_by="x", reason="y"
            )
        assert refused.value.code == "not-difference-side"

    def test_an_unknown_difference_is_not_found(self, discussed: Case) -> None:
        with pytest.raises(NotFound) as refused:
            discussed.respond_to_difference(
                by=SOMERSET, now=LATER, difference_id=uuid4(), response="x"
            )
        assert refused.value.code == "difference-not-found"


class TestEnding:
    def test_resolved_when_both_sides_acknowledge_the_same_statement(self, discussed: Case) -> None:
        difference_id = raise_difference(discussed, now=LATER)
        statement = "A section 47 enquiry starts today."
        discussed.resolve_difference(
            by=HOSPITAL, now=LATER, difference_id=difference_id, outcome_statement=statement
        )
        assert discussed.difference(difference_id).is_open
        discussed.resolve_difference(
            by=SOMERSET, now=LATER, difference_id=difference_id, outcome_statement=statement
        )
        assert discussed.difference(difference_id).status == RESOLVED

    def test_a_different_statement_needs_acknowledging_afresh(self, discussed: Case) -> None:
        difference_id = raise_difference(discussed, now=LATER)
        for side, words in ((HOSPITAL, "One."), (SOMERSET, "Two.")):
            discussed.resolve_difference(
                by=side, now=LATER, difference_id=difference_id, outcome_statement=words
            )
        assert discussed.difference(difference_id).acknowledged_by == {"933"}

    def test_closed_unresolved_with_a_reason_and_then_ended(self, discussed: Case) -> None:
        difference_id = raise_difference(discussed, now=LATER)
        discussed.close_difference_unresolved(
            by=HOSPITAL, now=LATER, difference_id=difference_id, reason="Partnership decided."
        )
        assert discussed.difference(difference_id).status == CLOSED_UNRESOLVED
        with pytest.raises(RuleViolation) as refused:
            discussed.respond_to_difference(
                by=SOMERSET, now=LATER, difference_id=difference_id, response="x"
            )
        assert refused.value.code == "difference-ended"

    def test_a_resolution_settles_the_sides_dissents(self, case: Case) -> None:
        discussion_id = minuted(case)
        dissent(case, discussion_id, now=LATER)
        difference_id = raise_difference(case, now=LATER, discussion_id=discussion_id)
        for side in (HOSPITAL, SOMERSET):
            case.resolve_difference(
                by=side, now=LATER, difference_id=difference_id, outcome_statement="Agreed."
            )
        assert not case.discussion(discussion_id).disputed

    def test_closed_unresolved_the_dissent_still_disputes(self, case: Case) -> None:
        discussion_id = minuted(case)
        dissent(case, discussion_id, now=LATER)
        difference_id = raise_difference(case, now=LATER, discussion_id=discussion_id)
        case.close_difference_unresolved(
            by=SOMERSET, now=LATER, difference_id=difference_id, reason="No agreement."
        )
        assert case.discussion(discussion_id).disputed


class TestRule15:
    def test_no_transfer_proposed_while_a_discussion_has_no_outcome(self, case: Case) -> None:
        discussion_id = convene(case)
        with pytest.raises(RuleViolation) as refused:
            propose(case)
        assert refused.value.code == "strategy-outcome-pending"
        assert refused.value.extensions["discussions"] == [str(discussion_id)]
        hold(case, discussion_id)
        propose(case, now=T0 + 3 * HOUR)

    def _walk_with_open_matters(self) -> tuple[Walk, UUID, UUID]:
        from .conftest import open_case

        case = open_case()
        discussion_id = minuted(case)
        dissent(case, discussion_id, now=LATER)
        difference_id = raise_difference(case, now=LATER)
        walk = ready_to_accept(case, now=LATER)
        new_events(case)
        return walk, discussion_id, difference_id

    def test_acceptance_refused_until_it_names_every_open_matter(self) -> None:
        walk, discussion_id, difference_id = self._walk_with_open_matters()
        accept = walk.case.accept_responsibility
        with pytest.raises(RuleViolation) as refused:
            accept(
                by=BRISTOL,
                now=LATER + DAY,
                transfer_id=walk.transfer_id,
                open_matters=[discussion_id],
            )
        assert refused.value.code == "open-matters-not-acknowledged"
        assert refused.value.extensions == {"discussions": [], "differences": [str(difference_id)]}
        accept(
            by=BRISTOL,
            now=LATER + DAY,
            transfer_id=walk.transfer_id,
            open_matters=[discussion_id, difference_id],
        )
        events = new_events(walk.case)
        assert event_types(events) == [Case.OpenMattersNamed, Case.ResponsibilityAccepted]
        named = events[0]
        assert isinstance(named, Case.OpenMattersNamed)
        assert (named.discussions, named.differences) == ([discussion_id], [difference_id])

    def test_without_open_matters_acceptance_names_nothing(self, walk: Walk) -> None:
        walk.case.accept_responsibility(by=BRISTOL, now=T0 + HOUR, transfer_id=walk.transfer_id)
        assert event_types(new_events(walk.case)) == [Case.ResponsibilityAccepted]
