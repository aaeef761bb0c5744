"""Assessments: needs described in the census vocabulary, corrected without overwriting.

Rules 9 (a correction is a new event pointing at what it corrects; the original stays)
and 10 (factors, a primary need code and a summary, never a bare level).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from service.domain.case import Case
from service.domain.case.assessment import Assessment
from service.domain.errors import InvalidInput, RuleViolation

from .conftest import (
    BRISTOL,
    DAY,
    HOUR,
    SOMERSET,
    T0,
    TODAY,
    assess,
    hand_over,
    new_events,
    open_case,
)


class TestRecordingAnAssessment:
    def test_an_assessment_records_factors_need_and_summary(self, case: Case) -> None:
        assessment_id = assess(
            case,
            now=T0 + HOUR,
            completed_on=TODAY - DAY,
            factors=["2B", "3A", "2B"],
            primary_need_code="N4",
            summary="  Family in acute stress after eviction.  ",
        )

        [assessed] = new_events(case)
        assert isinstance(assessed, Case.AssessmentCompleted)
        assert assessed.assessment_id == assessment_id
        assert assessed.authority == "933"
        assert assessed.completed_on == TODAY - DAY
        assert assessed.factors == ["2B", "3A"]
        assert assessed.primary_need_code == "N4"
        assert assessed.summary == "Family in acute stress after eviction."
        assert assessed.corrects is None
        assert (assessed.actor, assessed.timestamp) == (SOMERSET, T0 + HOUR)
        assert case.current_assessments() == [
            Assessment(
                assessment_id,
                "933",
                TODAY - DAY,
                ["2B", "3A"],
                "N4",
                "Family in acute stress after eviction.",
                None,
                T0 + HOUR,
            )
        ]

    def test_no_factors_identified_is_itself_a_factor(self, case: Case) -> None:
        assess(case, factors=["21"], primary_need_code="N9")

        assert case.assessments[0].factors == ["21"]

    @pytest.mark.parametrize("factors", [["2B", "level 2"], ["1a"], ["2"], [""]])
    def test_refused_with_an_unknown_factor(self, case: Case, factors: list[str]) -> None:
        with pytest.raises(InvalidInput) as e:
            assess(case, factors=factors)
        assert e.value.code == "unknown-assessment-factor"
        assert new_events(case) == []

    def test_refused_without_factors(self, case: Case) -> None:
        with pytest.raises(InvalidInput) as e:
            assess(case, factors=[])
        assert e.value.code == "assessment-factors-required"

    @pytest.mark.parametrize("need", ["N10", "n1", "2", "level 2", ""])
    def test_refused_with_an_unknown_primary_need_code(self, case: Case, need: str) -> None:
        with pytest.raises(InvalidInput) as e:
            assess(case, primary_need_code=need)
        assert e.value.code == "unknown-primary-need-code"

    @pytest.mark.parametrize(
        ("summary", "refusal"),
        [("", "text-required"), ("s" * 10_001, "text-too-long"), ("a\x00b", "control-characters")],
    )
    def test_refused_with_a_bad_summary(self, case: Case, summary: str, refusal: str) -> None:
        with pytest.raises(InvalidInput) as e:
            assess(case, summary=summary)
        assert e.value.code == refusal

    def test_a_summary_of_ten_thousand_characters_is_accepted(self, case: Case) -> None:
        assess(case, summary="s" * 10_000)

        assert len(case.assessments[0].summary) == 10_000

    def test_refused_when_completed_in_the_future(self, case: Case) -> None:
        with pytest.raises(InvalidInput) as e:
            assess(case, now=T0, completed_on=TODAY + DAY)
        assert e.value.code == "date-in-future"

    def test_completed_today_is_the_london_date(self) -> None:
        # 23:30 UTC on 14 June is 15 June in London (BST).
        now = datetime(2027, 6, 14, 23, 30, tzinfo=UTC)
        case = open_case(now=now)

        assess(case, now=now, completed_on=date(2027, 6, 15))

        assert case.assessments[0].completed_on == date(2027, 6, 15)

    def test_refused_when_completed_before_the_authority_became_responsible(self) -> None:
        case = open_case()
        effective = hand_over(case, frm=SOMERSET, to=BRISTOL, now=T0)

        with pytest.raises(RuleViolation) as e:
            assess(case, by=BRISTOL, now=effective + HOUR, completed_on=TODAY + DAY)
        assert e.value.code == "assessment-predates-responsibility"

    def test_completed_on_the_hand_over_day_is_accepted(self) -> None:
        case = open_case()
        effective = hand_over(case, frm=SOMERSET, to=BRISTOL, now=T0)

        assess(case, by=BRISTOL, now=effective + HOUR, completed_on=effective.date())

        assert case.current_assessments()[-1].authority == "801"


class TestCorrectingAnAssessment:
    def test_a_correction_points_at_the_original_which_stays_in_the_history(
        self, case: Case
    ) -> None:
        original = assess(case, now=T0, primary_need_code="N1")
        correction = assess(case, now=T0 + HOUR, corrects=original, primary_need_code="N5")

        first, second = new_events(case)
        assert isinstance(first, Case.AssessmentCompleted)
        assert isinstance(second, Case.AssessmentCompleted)
        assert second.corrects == original
        assert second.assessment_id == correction != original
        assert [a.assessment_id for a in case.assessments] == [original, correction]
        assert [a.assessment_id for a in case.current_assessments()] == [correction]
        assert first.primary_need_code == "N1"

    def test_a_correction_may_itself_be_corrected(self, case: Case) -> None:
        original = assess(case, now=T0)
        correction = assess(case, now=T0 + HOUR, corrects=original)
        latest = assess(case, now=T0 + 2 * HOUR, corrects=correction)

        assert [a.assessment_id for a in case.current_assessments()] == [latest]
        assert len(case.assessments) == 3

    def test_refused_for_an_unknown_assessment(self, case: Case) -> None:
        assess(case)

        with pytest.raises(InvalidInput) as e:
            assess(case, now=T0 + HOUR, corrects=uuid4())
        assert e.value.code == "unknown-assessment"

    def test_refused_for_another_authoritys_assessment(self) -> None:
        case = open_case()
        somersets = assess(case, now=T0)
        effective = hand_over(case, frm=SOMERSET, to=BRISTOL, now=T0)

        with pytest.raises(RuleViolation) as e:
            assess(case, by=BRISTOL, now=effective, corrects=somersets)
        assert e.value.code == "not-assessing-authority"

    def test_refused_for_an_assessment_already_corrected(self, case: Case) -> None:
        original = assess(case, now=T0)
        assess(case, now=T0 + HOUR, corrects=original)
        new_events(case)

        with pytest.raises(RuleViolation) as e:
            assess(case, now=T0 + 2 * HOUR, corrects=original)
        assert e.value.code == "assessment-already-corrected"
        assert new_events(case) == []
