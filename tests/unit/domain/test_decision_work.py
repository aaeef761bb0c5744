"""The worklist's decision work (``decision_work.py``) and its timescales: who owes what
on discussions and differences, from when, and when it is overdue."""

from __future__ import annotations

from datetime import date

import pytest

from service.domain.case import Case
from service.domain.decision_timescales import DecisionTimescales
from service.domain.decision_work import decision_work_for
from service.domain.worklist import Timescales

from .conftest import HOUR, SOMERSET, T0
from .decisions_support import HOSPITAL, POLICE, convene, dissent, hold, minuted, raise_difference

LATER = T0 + 5 * HOUR


def kinds(case: Case) -> list[tuple[str, str]]:
    return sorted((item.kind, item.authority) for item in decision_work_for(case))


class TestDiscussionWork:
    def test_minutes_are_owed_by_the_convener_until_everyone_has_them(self, case: Case) -> None:
        discussion_id = convene(case)
        assert kinds(case) == []
        hold(case, discussion_id)
        [item] = decision_work_for(case)
        assert (item.kind, item.authority, item.transfer_id) == (
            "circulate-minutes",
            "933",
            discussion_id,
        )
        assert item.due_on(Timescales()) == date(2026, 11, 27)  # 1 working day after Thursday

    def test_each_attending_agency_owes_an_acknowledgement_until_it_answers(
        self, case: Case
    ) -> None:
        discussion_id = minuted(case)
        assert kinds(case) == [
            ("acknowledge-minutes", "hospital-musgrove"),
            ("acknowledge-minutes", "police-avon-somerset"),
        ]
        case.acknowledge_minutes(by=POLICE, now=LATER, discussion_id=discussion_id)
        dissent(case, discussion_id, by=HOSPITAL, now=LATER)
        assert kinds(case) == []

    def test_a_follow_up_is_owed_by_its_date_until_a_later_discussion_is_held(
        self, case: Case
    ) -> None:
        discussion_id = convene(case)
        hold(case, discussion_id, follow_up_on=date(2026, 12, 3))
        follow_up = [i for i in decision_work_for(case) if i.kind == "hold-follow-up-discussion"]
        assert [i.due_on(Timescales()) for i in follow_up] == [date(2026, 12, 3)]
        second = convene(case, now=LATER)
        hold(case, second, now=LATER + HOUR)
        assert "hold-follow-up-discussion" not in {k for k, _ in kinds(case)}


class TestDifferenceWork:
    def test_the_responding_side_owes_a_response_and_both_move_it_on(self, case: Case) -> None:
        minuted(case)
        difference_id = raise_difference(case, now=LATER)
        assert kinds(case)[-3:] == [
            ("move-difference-on-1", "933"),
            ("move-difference-on-1", "hospital-musgrove"),
            ("respond-to-difference-1", "933"),
        ]
        respond = next(i for i in decision_work_for(case) if i.kind == "respond-to-difference-1")
        assert respond.due_on(Timescales()) == date(2026, 12, 1)  # 3 working days
        case.respond_to_difference(
            by=SOMERSET, now=LATER, difference_id=difference_id, response="R"
        )
        case.escalate_difference(
            by=HOSPITAL, now=LATER, difference_id=difference_id, held_by="H", reason="R"
        )
        assert ("respond-to-difference-2", "933") in kinds(case)
        case.close_difference_unresolved(
            by=HOSPITAL, now=LATER, difference_id=difference_id, reason="R"
        )
        assert not [k for k, _ in kinds(case) if "difference" in k]


class TestDecisionTimescales:
    def test_defaults(self) -> None:
        defaults = DecisionTimescales()
        assert (defaults.minutes, defaults.acknowledgement, defaults.stages) == (
            1,
            2,
            (3, 5, 5, 10),
        )

    @pytest.mark.parametrize("stages", [(3, 5, 5), (3, 5, 5, -1)])
    def test_refuses_anything_but_four_whole_stages(self, stages: tuple[int, ...]) -> None:
        with pytest.raises(ValueError):
            DecisionTimescales(stages=stages)
