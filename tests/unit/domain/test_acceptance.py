"""Acceptance, decline and withdrawal: how responsibility moves, and when.

Rules 2 (only an accepted transfer moves responsibility, at its effective instant), 3 (no
backdating), 5 (acceptance needs all four steps), 6 (the effective instant) and 8 (after
the effective instant a transfer is complete).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import ClassVar
from uuid import uuid4

import pytest

from service.domain.actors import Actor
from service.domain.calendar import start_of_london_day
from service.domain.case import Case
from service.domain.case.responsibility import Responsibility
from service.domain.case.transfer import ACCEPTED, COMPLETED, DECLINED, WITHDRAWN
from service.domain.errors import InvalidInput, NotFound, RuleViolation

from .conftest import (
    BRISTOL,
    DAY,
    HOUR,
    LEEDS,
    MICROSECOND,
    SOMERSET,
    T0,
    TODAY,
    Walk,
    agree_date,
    assess,
    event_types,
    hand_over,
    new_events,
    open_case,
    propose,
    ready_to_accept,
    settle,
    share,
)


def accept(walk: Walk, now: datetime) -> datetime:
    return walk.case.accept_responsibility(by=BRISTOL, now=now, transfer_id=walk.transfer_id)


class TestAcceptance:
    def test_accepting_records_the_effective_instant(self, walk: Walk) -> None:
        effective = accept(walk, T0 + HOUR)

        [accepted] = new_events(walk.case)
        assert isinstance(accepted, Case.ResponsibilityAccepted)
        assert accepted.transfer_id == walk.transfer_id
        assert accepted.effective_at == effective == start_of_london_day(walk.on)
        assert (accepted.actor, accepted.timestamp) == (BRISTOL, T0 + HOUR)

    def test_the_originating_authority_stays_responsible_until_the_effective_instant(
        self, walk: Walk
    ) -> None:
        effective = accept(walk, T0 + HOUR)

        transfer = walk.case.transfer(walk.transfer_id)
        assert walk.case.responsibility_at(T0 + HOUR) == Responsibility("933", T0, effective)
        assert walk.case.responsibility_at(effective - MICROSECOND).authority == "933"
        assert walk.case.responsibility_at(effective) == Responsibility("801", effective, None)
        assert transfer.stage(effective - MICROSECOND) == ACCEPTED
        assert transfer.stage(effective) == COMPLETED
        assert walk.case.active_transfer(effective - MICROSECOND) is transfer
        assert walk.case.active_transfer(effective) is None

    def test_the_past_is_unchanged_by_an_acceptance(self, walk: Walk) -> None:
        now = T0 + 3 * DAY
        instants = [T0 - MICROSECOND, T0, T0 + DAY, now - MICROSECOND, now]
        before = [walk.case.responsibility_at(t).authority for t in instants]

        effective = accept(walk, now)

        assert effective >= now
        assert [walk.case.responsibility_at(t).authority for t in instants] == before

    def test_the_receiving_authority_need_not_confirm_receipt_first(self, walk: Walk) -> None:
        assert walk.case.transfer(walk.transfer_id).information_received_at is None

        accept(walk, T0)

        assert walk.case.transfer(walk.transfer_id).accepted_at == T0

    def test_refused_until_the_originating_authority_has_assessed(self, case: Case) -> None:
        transfer_id = propose(case)
        share(case, transfer_id)
        agree_date(case, transfer_id, TODAY + DAY)
        settle(case)

        with pytest.raises(RuleViolation) as e:
            case.accept_responsibility(by=BRISTOL, now=T0, transfer_id=transfer_id)
        assert e.value.code == "assessment-required"
        assert new_events(case) == []

    def test_refused_until_information_is_shared(self, case: Case) -> None:
        assess(case)
        transfer_id = propose(case)
        agree_date(case, transfer_id, TODAY + DAY)

        with pytest.raises(RuleViolation) as e:
            case.accept_responsibility(by=BRISTOL, now=T0, transfer_id=transfer_id)
        assert e.value.code == "information-not-shared"

    def test_refused_until_a_date_is_agreed(self, case: Case) -> None:
        assess(case)
        transfer_id = propose(case)
        share(case, transfer_id)

        with pytest.raises(RuleViolation) as none_proposed:
            case.accept_responsibility(by=BRISTOL, now=T0, transfer_id=transfer_id)
        case.propose_transfer_date(by=SOMERSET, now=T0, transfer_id=transfer_id, on=TODAY)
        with pytest.raises(RuleViolation) as only_proposed:
            case.accept_responsibility(by=BRISTOL, now=T0, transfer_id=transfer_id)
        assert none_proposed.value.code == only_proposed.value.code == "transfer-date-not-agreed"

    def test_refused_once_the_agreed_date_has_passed(self, walk: Walk) -> None:
        day_after = start_of_london_day(walk.on + DAY)

        with pytest.raises(RuleViolation) as e:
            accept(walk, day_after)
        assert e.value.code == "transfer-date-passed"
        assert not walk.case.transfer(walk.transfer_id).date_agreed(day_after)

    def test_refused_to_accept_twice(self, walk: Walk) -> None:
        accept(walk, T0)

        with pytest.raises(RuleViolation) as e:
            accept(walk, T0 + HOUR)
        assert e.value.code == "transfer-already-accepted"

    def test_refused_for_an_unknown_transfer(self, walk: Walk) -> None:
        with pytest.raises(NotFound) as e:
            walk.case.accept_responsibility(by=BRISTOL, now=T0, transfer_id=uuid4())
        assert e.value.code == "transfer-not-found"

    def test_refused_for_a_declined_transfer(self, walk: Walk) -> None:
        walk.case.decline_transfer(
            by=BRISTOL, now=T0, transfer_id=walk.transfer_id, reason="Not resident."
        )

        with pytest.raises(RuleViolation) as e:
            accept(walk, T0 + HOUR)
        assert e.value.code == "no-transfer-in-progress"


class TestAssessmentForAcceptance:
    """Rule 5: the assessment must be the originating authority's, in its current period."""

    def test_the_next_holder_needs_its_own_assessment(self) -> None:
        case = open_case()
        effective = hand_over(case, frm=SOMERSET, to=BRISTOL, now=T0)
        transfer_id = propose(case, by=BRISTOL, to=LEEDS, now=effective)
        share(case, transfer_id, by=BRISTOL, now=effective)
        agree_date(
            case, transfer_id, TODAY + 14 * DAY, proposer=BRISTOL, agreer=LEEDS, now=effective
        )

        with pytest.raises(RuleViolation) as e:
            case.accept_responsibility(by=LEEDS, now=effective, transfer_id=transfer_id)
        assert e.value.code == "assessment-required"

        assess(case, by=BRISTOL, now=effective + HOUR)
        case.accept_responsibility(by=LEEDS, now=effective + HOUR, transfer_id=transfer_id)
        assert case.responsibility_at(start_of_london_day(TODAY + 14 * DAY)).authority == "383"

    def test_an_assessment_from_an_earlier_period_does_not_count(self) -> None:
        case = open_case()
        to_bristol = hand_over(case, frm=SOMERSET, to=BRISTOL, now=T0)
        back = hand_over(case, frm=BRISTOL, to=SOMERSET, now=to_bristol)
        # Somerset is responsible again; its assessment of T0 is from its first period.
        transfer_id = propose(case, by=SOMERSET, to=LEEDS, now=back)
        share(case, transfer_id, now=back)
        agree_date(case, transfer_id, TODAY + 30 * DAY, agreer=LEEDS, now=back)

        with pytest.raises(RuleViolation) as e:
            case.accept_responsibility(by=LEEDS, now=back, transfer_id=transfer_id)
        assert e.value.code == "assessment-required"

    def test_a_corrected_assessment_still_counts_through_its_correction(self, case: Case) -> None:
        first = assess(case, now=T0)
        assess(case, now=T0 + HOUR, corrects=first, summary="Corrected summary.")
        transfer_id = propose(case, now=T0 + HOUR)
        share(case, transfer_id, now=T0 + HOUR)
        agree_date(case, transfer_id, TODAY + DAY, now=T0 + HOUR)

        case.accept_responsibility(by=BRISTOL, now=T0 + 2 * HOUR, transfer_id=transfer_id)

        assert case.transfer(transfer_id).accepted_at == T0 + 2 * HOUR

    def test_an_assessment_completed_before_the_hand_over_date_is_refused(self) -> None:
        case = open_case()
        effective = hand_over(case, frm=SOMERSET, to=BRISTOL, now=T0)

        with pytest.raises(RuleViolation) as e:
            assess(case, by=BRISTOL, now=effective + DAY, completed_on=TODAY)
        assert e.value.code == "assessment-predates-responsibility"

    def test_the_opening_authority_may_record_an_assessment_completed_before_opening(
        self, case: Case
    ) -> None:
        assess(case, now=T0, completed_on=TODAY - 10 * DAY)

        [assessed] = new_events(case)
        assert isinstance(assessed, Case.AssessmentCompleted)
        assert assessed.completed_on == TODAY - 10 * DAY


class TestEffectiveInstant:
    """Rule 6: the later of the start of the agreed day in London and the acceptance."""

    def test_in_winter_the_day_starts_at_midnight_utc(self) -> None:
        walk = ready_to_accept(now=T0, on=date(2026, 12, 3))

        assert accept(walk, T0) == datetime(2026, 12, 3, 0, 0, tzinfo=UTC)

    def test_in_summer_the_day_starts_at_2300_utc_the_day_before(self) -> None:
        now = datetime(2027, 6, 1, 10, 0, tzinfo=UTC)
        walk = ready_to_accept(now=now, on=date(2027, 6, 15))

        effective = accept(walk, now)

        assert effective == datetime(2027, 6, 14, 23, 0, tzinfo=UTC)
        assert walk.case.responsibility_at(effective - MICROSECOND).authority == "933"
        assert walk.case.responsibility_at(effective).authority == "801"

    def test_across_the_spring_clock_change(self) -> None:
        # The clocks go forward at 01:00 UTC on 28 March 2027; the 29th starts in BST.
        now = datetime(2027, 3, 27, 12, 0, tzinfo=UTC)
        walk = ready_to_accept(now=now, on=date(2027, 3, 29))

        assert accept(walk, now) == datetime(2027, 3, 28, 23, 0, tzinfo=UTC)

    def test_accepting_on_the_agreed_day_itself_takes_effect_at_once(self) -> None:
        walk = ready_to_accept(now=T0, on=TODAY)
        settle(walk.case)

        effective = accept(walk, T0 + HOUR)

        [accepted] = new_events(walk.case)
        assert isinstance(accepted, Case.ResponsibilityAccepted)
        assert effective == accepted.effective_at == T0 + HOUR
        assert walk.case.responsibility_at(T0 + HOUR - MICROSECOND).authority == "933"
        assert walk.case.responsibility_at(T0 + HOUR).authority == "801"
        assert walk.case.transfer(walk.transfer_id).stage(T0 + HOUR) == COMPLETED

    def test_accepting_late_on_the_agreed_summer_day_takes_effect_at_once(self) -> None:
        # 23:30 UTC on 14 June is 00:30 on 15 June in London: the agreed day has begun.
        proposed_at = datetime(2027, 6, 10, 9, 0, tzinfo=UTC)
        walk = ready_to_accept(now=proposed_at, on=date(2027, 6, 15))
        now = datetime(2027, 6, 14, 23, 30, tzinfo=UTC)

        assert accept(walk, now) == now


class TestSettleMargin:
    """An acceptance for a day begun takes effect a margin after it is recorded (rule 3)."""

    MARGIN = timedelta(seconds=5)

    def test_on_the_agreed_day_it_takes_effect_the_margin_later(self) -> None:
        walk = ready_to_accept(now=T0, on=TODAY)
        settle(walk.case)

        effective = walk.case.accept_responsibility(
            by=BRISTOL, now=T0 + HOUR, transfer_id=walk.transfer_id, settle=self.MARGIN
        )

        [accepted] = new_events(walk.case)
        assert effective == accepted.effective_at == T0 + HOUR + self.MARGIN  # type: ignore[attr-defined]
        assert walk.case.responsibility_at(T0 + HOUR).authority == "933"
        assert walk.case.responsibility_at(effective).authority == "801"

    def test_for_a_later_day_it_still_takes_effect_as_that_day_begins(self, walk: Walk) -> None:
        effective = walk.case.accept_responsibility(
            by=BRISTOL, now=T0 + HOUR, transfer_id=walk.transfer_id, settle=self.MARGIN
        )

        assert effective == start_of_london_day(walk.on)

    def test_accepted_on_the_day_it_is_final_before_it_takes_effect(self) -> None:
        walk = ready_to_accept(now=T0, on=TODAY)
        effective = walk.case.accept_responsibility(
            by=BRISTOL, now=T0 + HOUR, transfer_id=walk.transfer_id, settle=self.MARGIN
        )

        assert walk.case.transfer(walk.transfer_id).stage(effective - MICROSECOND) == ACCEPTED
        with pytest.raises(RuleViolation) as e:
            walk.case.withdraw_transfer(
                by=SOMERSET,
                now=effective - MICROSECOND,
                transfer_id=walk.transfer_id,
                reason="Family stayed.",
            )
        assert e.value.code == "transfer-complete"

    def test_a_withdrawal_within_the_margin_of_the_hand_over_is_too_late(self, walk: Walk) -> None:
        effective = accept(walk, T0 + HOUR)

        with pytest.raises(RuleViolation) as e:
            walk.case.withdraw_transfer(
                by=SOMERSET,
                now=effective - self.MARGIN / 2,
                transfer_id=walk.transfer_id,
                reason="Family stayed.",
                settle=self.MARGIN,
            )
        assert e.value.code == "transfer-complete"


class TestDecline:
    def test_declining_keeps_the_originating_authority_responsible(self, walk: Walk) -> None:
        walk.case.decline_transfer(
            by=BRISTOL, now=T0 + HOUR, transfer_id=walk.transfer_id, reason=" Not resident. "
        )

        [declined] = new_events(walk.case)
        assert isinstance(declined, Case.TransferDeclined)
        assert (declined.transfer_id, declined.reason) == (walk.transfer_id, "Not resident.")
        assert declined.actor == BRISTOL
        transfer = walk.case.transfer(walk.transfer_id)
        assert transfer.stage(T0 + HOUR) == DECLINED
        assert transfer.end_reason == "Not resident."
        assert walk.case.active_transfer(T0 + HOUR) is None
        assert [p.authority for p in walk.case.periods] == ["933"]
        assert walk.case.responsibility_at(start_of_london_day(walk.on)).authority == "933"

    def test_refused_after_acceptance(self, walk: Walk) -> None:
        accept(walk, T0)

        with pytest.raises(RuleViolation) as e:
            walk.case.decline_transfer(
                by=BRISTOL, now=T0 + HOUR, transfer_id=walk.transfer_id, reason="Changed mind."
            )
        assert e.value.code == "transfer-already-accepted"

    def test_refused_twice(self, walk: Walk) -> None:
        walk.case.decline_transfer(
            by=BRISTOL, now=T0, transfer_id=walk.transfer_id, reason="Not resident."
        )

        with pytest.raises(RuleViolation) as e:
            walk.case.decline_transfer(
                by=BRISTOL, now=T0 + HOUR, transfer_id=walk.transfer_id, reason="Still not."
            )
        assert e.value.code == "no-transfer-in-progress"

    def test_refused_without_a_reason(self, walk: Walk) -> None:
        with pytest.raises(InvalidInput) as e:
            walk.case.decline_transfer(by=BRISTOL, now=T0, transfer_id=walk.transfer_id, reason="")
        assert e.value.code == "text-required"


class TestWithdrawal:
    def test_withdrawing_before_acceptance(self, walk: Walk) -> None:
        walk.case.withdraw_transfer(
            by=SOMERSET, now=T0 + HOUR, transfer_id=walk.transfer_id, reason="Family stayed."
        )

        [withdrawn] = new_events(walk.case)
        assert isinstance(withdrawn, Case.TransferWithdrawn)
        assert (withdrawn.transfer_id, withdrawn.reason) == (walk.transfer_id, "Family stayed.")
        assert walk.case.transfer(walk.transfer_id).stage(T0 + HOUR) == WITHDRAWN
        assert walk.case.active_transfer(T0 + HOUR) is None

    def test_withdrawing_after_acceptance_removes_the_scheduled_hand_over(self, walk: Walk) -> None:
        effective = accept(walk, T0 + HOUR)
        assert [p.authority for p in walk.case.periods] == ["933", "801"]

        walk.case.withdraw_transfer(
            by=SOMERSET,
            now=effective - MICROSECOND,
            transfer_id=walk.transfer_id,
            reason="Family stayed.",
        )

        assert [(p.authority, p.since, p.until) for p in walk.case.periods] == [("933", T0, None)]
        assert walk.case.responsibility_at(effective).authority == "933"
        assert walk.case.responsibility_at(effective + 365 * DAY).authority == "933"
        assert walk.case.active_transfer(effective) is None

    @pytest.mark.parametrize("by", [SOMERSET, BRISTOL])
    def test_refused_from_the_effective_instant(self, walk: Walk, by: Actor) -> None:
        effective = accept(walk, T0 + HOUR)
        settle(walk.case)

        with pytest.raises(RuleViolation) as e:
            walk.case.withdraw_transfer(
                by=by, now=effective, transfer_id=walk.transfer_id, reason="Too late."
            )
        assert e.value.code == "transfer-complete"
        assert new_events(walk.case) == []

    def test_refused_twice(self, walk: Walk) -> None:
        walk.case.withdraw_transfer(
            by=SOMERSET, now=T0, transfer_id=walk.transfer_id, reason="Family stayed."
        )

        with pytest.raises(RuleViolation) as e:
            walk.case.withdraw_transfer(
                by=SOMERSET, now=T0 + HOUR, transfer_id=walk.transfer_id, reason="Again."
            )
        assert e.value.code == "no-transfer-in-progress"

    STEPS_ON_A_WITHDRAWN: ClassVar[dict[str, Callable[[Walk], object]]] = {
        "share": lambda w: share(w.case, w.transfer_id, now=T0 + HOUR),
        "propose date": lambda w: w.case.propose_transfer_date(
            by=BRISTOL, now=T0 + HOUR, transfer_id=w.transfer_id, on=w.on
        ),
        "agree date": lambda w: w.case.agree_transfer_date(
            by=BRISTOL, now=T0 + HOUR, transfer_id=w.transfer_id, on=w.on
        ),
        "accept": lambda w: accept(w, T0 + HOUR),
        "decline": lambda w: w.case.decline_transfer(
            by=BRISTOL, now=T0 + HOUR, transfer_id=w.transfer_id, reason="No."
        ),
    }

    @pytest.mark.parametrize("step", STEPS_ON_A_WITHDRAWN)
    def test_no_step_applies_to_a_withdrawn_transfer(self, walk: Walk, step: str) -> None:
        walk.case.withdraw_transfer(
            by=SOMERSET, now=T0, transfer_id=walk.transfer_id, reason="Family stayed."
        )

        with pytest.raises(RuleViolation) as e:
            self.STEPS_ON_A_WITHDRAWN[step](walk)
        assert e.value.code == "no-transfer-in-progress"

    def test_a_child_who_moves_back_needs_a_transfer_the_other_way(self) -> None:
        case = open_case(now=T0)
        to_bristol = hand_over(case, frm=SOMERSET, to=BRISTOL, now=T0)
        settle(case)

        back = hand_over(case, frm=BRISTOL, to=SOMERSET, now=to_bristol + DAY)

        assert event_types(new_events(case)) == [
            Case.AssessmentCompleted,
            Case.TransferProposed,
            Case.InformationShared,
            Case.TransferDateProposed,
            Case.TransferDateAgreed,
            Case.ResponsibilityAccepted,
        ]
        assert [(p.authority, p.since, p.until) for p in case.periods] == [
            ("933", T0, to_bristol),
            ("801", to_bristol, back),
            ("933", back, None),
        ]
        assert case.responsibility_at(back - MICROSECOND).authority == "801"
        assert case.responsibility_at(back).authority == "933"
