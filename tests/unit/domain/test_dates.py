"""Dates bounded to what can be true of a child's case: a date of birth within the ages
children's services serve, an assessment no earlier than 40 weeks before the child's
(expected) birth, a transfer date within the horizon."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from service.domain.case.date_rules import (
    DEFAULT_TRANSFER_DATE_HORIZON_DAYS,
    PRE_BIRTH_WEEKS,
    SERVED_UNTIL_AGE,
)
from service.domain.errors import InvalidInput
from service.settings import Settings

from .conftest import BRISTOL, DAY, SOMERSET, T0, TODAY, assess, new_events, open_case, propose

HORIZON = DEFAULT_TRANSFER_DATE_HORIZON_DAYS


class TestDateOfBirth:
    @pytest.mark.parametrize("born", [date(1, 1, 1), date(1900, 1, 1), date(2001, 11, 26)])
    def test_refused_for_someone_aged_25_or_more(self, born: date) -> None:
        with pytest.raises(InvalidInput) as e:
            open_case(date_of_birth=born)
        assert e.value.code == "implausible-date-of-birth"

    def test_a_care_leaver_of_24_is_accepted(self) -> None:
        born = date(2001, 11, 27)  # 25 tomorrow

        assert open_case(date_of_birth=born).date_of_birth == born

    def test_born_on_29_february_the_25th_birthday_is_1_march(self) -> None:
        day_before = T0.replace(year=2029, month=2, day=28)  # 2029 has no 29 February
        on_the_day = T0.replace(year=2029, month=3, day=1)

        assert open_case(now=day_before, date_of_birth=date(2004, 2, 29)).date_of_birth
        with pytest.raises(InvalidInput) as e:
            open_case(now=on_the_day, date_of_birth=date(2004, 2, 29))
        assert e.value.code == "implausible-date-of-birth"

    def test_the_bound_is_the_one_children_services_serve(self) -> None:
        assert SERVED_UNTIL_AGE == 25


class TestAssessmentDate:
    @pytest.mark.parametrize("completed_on", [date(1, 1, 1), date(2019, 5, 4) - 281 * DAY])
    def test_refused_more_than_40_weeks_before_the_date_of_birth(self, completed_on: date) -> None:
        case = open_case(date_of_birth=date(2019, 5, 4))

        with pytest.raises(InvalidInput) as e:
            assess(case, completed_on=completed_on)
        assert e.value.code == "assessment-before-child"

    def test_a_pre_birth_assessment_within_40_weeks_is_accepted(self) -> None:
        case = open_case(date_of_birth=date(2019, 5, 4))

        assess(case, completed_on=date(2019, 5, 4) - timedelta(weeks=PRE_BIRTH_WEEKS))

        assert len(case.assessments) == 1

    def test_before_the_case_was_opened_here_is_accepted(self) -> None:
        """An authority records its case here when a transfer nears, after assessing."""
        case = open_case(date_of_birth=date(2019, 5, 4))

        assess(case, completed_on=TODAY - 400 * DAY)

        assert case.assessments[0].completed_on == TODAY - 400 * DAY

    def test_for_an_unborn_child_bounded_by_the_expected_date(self) -> None:
        expected = TODAY + 90 * DAY
        case = open_case(date_of_birth=None, nhs_number=None, expected_date_of_birth=expected)

        assess(case, completed_on=expected - 280 * DAY)
        with pytest.raises(InvalidInput) as e:
            assess(case, completed_on=expected - 281 * DAY)
        assert e.value.code == "assessment-before-child"


class TestTransferDateHorizon:
    @pytest.mark.parametrize("on", [TODAY + (HORIZON + 1) * DAY, date(9999, 12, 31)])
    def test_a_proposal_beyond_the_horizon_is_refused(self, on: date) -> None:
        case = open_case()
        transfer_id = propose(case)
        new_events(case)

        with pytest.raises(InvalidInput) as e:
            case.propose_transfer_date(by=SOMERSET, now=T0, transfer_id=transfer_id, on=on)
        assert e.value.code == "transfer-date-beyond-horizon"
        assert new_events(case) == []

    def test_a_proposal_on_the_horizon_is_accepted(self) -> None:
        case = open_case()
        transfer_id = propose(case)
        on = TODAY + HORIZON * DAY

        case.propose_transfer_date(by=SOMERSET, now=T0, transfer_id=transfer_id, on=on)

        assert case.transfers[transfer_id].date_proposal is not None

    def test_the_horizon_is_the_callers_to_set(self) -> None:
        case = open_case()
        transfer_id = propose(case)
        on = TODAY + 400 * DAY

        case.propose_transfer_date(
            by=SOMERSET, now=T0, transfer_id=transfer_id, on=on, horizon_days=400
        )
        with pytest.raises(InvalidInput) as e:
            case.propose_transfer_date(
                by=SOMERSET, now=T0, transfer_id=transfer_id, on=on, horizon_days=399
            )
        assert e.value.code == "transfer-date-beyond-horizon"

    def test_an_agreement_beyond_the_horizon_is_refused(self) -> None:
        """A date proposed under a longer horizon cannot be agreed under a shorter one."""
        case = open_case()
        transfer_id = propose(case)
        on = TODAY + 400 * DAY
        case.propose_transfer_date(
            by=SOMERSET, now=T0, transfer_id=transfer_id, on=on, horizon_days=400
        )
        new_events(case)

        with pytest.raises(InvalidInput) as e:
            case.agree_transfer_date(by=BRISTOL, now=T0, transfer_id=transfer_id, on=on)
        assert e.value.code == "transfer-date-beyond-horizon"
        assert new_events(case) == []

    def test_the_settings_default_is_the_domains(self) -> None:
        assert Settings.model_fields["transfer_date_horizon_days"].default == HORIZON
