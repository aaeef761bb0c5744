"""The four-step checklist a transfer shows (``steps_of``), as case systems see it.

The flags describe the same facts rule 5 checks at acceptance; a passed date stops
counting as agreed unless the transfer was accepted on it.
"""

from __future__ import annotations

from service.domain.calendar import start_of_london_day
from service.domain.case import Case
from service.domain.case.steps import Steps, steps_of

from .conftest import (
    BRISTOL,
    DAY,
    HOUR,
    SOMERSET,
    T0,
    TODAY,
    Walk,
    agree_date,
    assess,
    hand_over,
    open_case,
    propose,
    share,
)

NOTHING_DONE = Steps(
    assessment_completed=False,
    information_shared=False,
    information_received=False,
    date_agreed=False,
    accepted=False,
)


class TestStepFlags:
    def test_a_new_proposal_has_no_steps_done(self, case: Case) -> None:
        transfer_id = propose(case)

        assert steps_of(case, case.transfer(transfer_id), T0) == NOTHING_DONE

    def test_each_step_sets_its_flag(self, case: Case) -> None:
        transfer_id = propose(case)
        assess(case, now=T0 + HOUR)
        share(case, transfer_id, now=T0 + HOUR)
        case.confirm_information_received(by=BRISTOL, now=T0 + HOUR, transfer_id=transfer_id)
        agree_date(case, transfer_id, TODAY + DAY, now=T0 + HOUR)

        assert steps_of(case, case.transfer(transfer_id), T0 + HOUR) == Steps(
            assessment_completed=True,
            information_shared=True,
            information_received=True,
            date_agreed=True,
            accepted=False,
        )

    def test_accepted_once_accepted(self, walk: Walk) -> None:
        walk.case.accept_responsibility(by=BRISTOL, now=T0 + HOUR, transfer_id=walk.transfer_id)

        assert steps_of(walk.case, walk.case.transfer(walk.transfer_id), T0 + HOUR).accepted

    def test_an_agreed_date_that_passed_unaccepted_is_no_longer_agreed(self, walk: Walk) -> None:
        day_after = start_of_london_day(walk.on + DAY)
        transfer = walk.case.transfer(walk.transfer_id)

        assert steps_of(walk.case, transfer, day_after - HOUR).date_agreed
        assert not steps_of(walk.case, transfer, day_after).date_agreed

    def test_an_accepted_transfer_keeps_its_agreed_date_after_the_day(self, walk: Walk) -> None:
        walk.case.accept_responsibility(by=BRISTOL, now=T0, transfer_id=walk.transfer_id)
        transfer = walk.case.transfer(walk.transfer_id)

        assert steps_of(walk.case, transfer, start_of_london_day(walk.on + 30 * DAY)).date_agreed

    def test_a_withdrawn_acceptance_is_not_accepted(self, walk: Walk) -> None:
        walk.case.accept_responsibility(by=BRISTOL, now=T0, transfer_id=walk.transfer_id)
        walk.case.withdraw_transfer(
            by=SOMERSET, now=T0 + HOUR, transfer_id=walk.transfer_id, reason="Stayed."
        )

        assert not steps_of(walk.case, walk.case.transfer(walk.transfer_id), T0 + HOUR).accepted

    def test_only_an_assessment_from_the_proposing_period_counts(self) -> None:
        case = open_case()
        to_bristol = hand_over(case, frm=SOMERSET, to=BRISTOL, now=T0)
        back = hand_over(case, frm=BRISTOL, to=SOMERSET, now=to_bristol)
        transfer_id = propose(case, by=SOMERSET, now=back)

        assert not steps_of(case, case.transfer(transfer_id), back).assessment_completed
        assess(case, by=SOMERSET, now=back + HOUR)
        assert steps_of(case, case.transfer(transfer_id), back + HOUR).assessment_completed
