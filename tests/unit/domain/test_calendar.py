"""Working days follow the England and Wales bank holidays; dates are London dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from service.domain.calendar import (
    LONDON,
    add_working_days,
    is_working_day,
    london_date,
    start_of_london_day,
    working_days_between,
)


class TestWorkingDays:
    def test_an_ordinary_weekday_is_a_working_day(self) -> None:
        assert is_working_day(date(2026, 12, 23))

    def test_weekends_are_not_working_days(self) -> None:
        assert not is_working_day(date(2026, 12, 19))
        assert not is_working_day(date(2026, 12, 20))

    def test_christmas_and_the_observed_boxing_day_2026_are_not_working_days(self) -> None:
        assert not is_working_day(date(2026, 12, 25))  # Friday
        assert not is_working_day(date(2026, 12, 28))  # Monday, for Boxing Day on Saturday
        assert is_working_day(date(2026, 12, 29))

    def test_good_friday_and_easter_monday_2027_are_not_working_days(self) -> None:
        assert not is_working_day(date(2027, 3, 26))
        assert not is_working_day(date(2027, 3, 29))
        assert is_working_day(date(2027, 3, 25))
        assert is_working_day(date(2027, 3, 30))


class TestAddWorkingDays:
    def test_one_working_day_after_a_friday_is_the_monday(self) -> None:
        assert add_working_days(date(2026, 12, 18), 1) == date(2026, 12, 21)

    def test_christmas_2026_is_skipped(self) -> None:
        # Thu 24 Dec; Fri 25, Sat 26, Sun 27 and Mon 28 (observed) are all off.
        assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)

    def test_easter_2027_is_skipped(self) -> None:
        # Thu 25 Mar 2027: Good Friday, the weekend and Easter Monday are off.
        assert add_working_days(date(2027, 3, 25), 1) == date(2027, 3, 30)
        assert add_working_days(date(2027, 3, 25), 5) == date(2027, 4, 5)

    def test_counting_starts_after_a_non_working_day(self) -> None:
        assert add_working_days(date(2026, 12, 19), 1) == date(2026, 12, 21)  # Saturday

    def test_zero_working_days_is_the_same_day_even_at_a_weekend(self) -> None:
        assert add_working_days(date(2026, 12, 19), 0) == date(2026, 12, 19)

    def test_a_negative_count_is_refused(self) -> None:
        with pytest.raises(ValueError):
            add_working_days(date(2026, 12, 18), -1)


class TestWorkingDaysBetween:
    def test_counts_the_working_days_after_start_up_to_and_including_end(self) -> None:
        assert working_days_between(date(2026, 12, 18), date(2026, 12, 21)) == 1
        # 22-24 and 29-31 Dec, then 4 Jan: 25 and 28 Dec and 1 Jan are bank holidays.
        assert working_days_between(date(2026, 12, 21), date(2027, 1, 4)) == 7

    def test_is_zero_when_end_is_not_after_start(self) -> None:
        assert working_days_between(date(2026, 12, 21), date(2026, 12, 21)) == 0
        assert working_days_between(date(2026, 12, 21), date(2026, 12, 1)) == 0

    @pytest.mark.parametrize("n", [0, 1, 3, 10, 25])
    def test_undoes_add_working_days(self, n: int) -> None:
        start = date(2026, 12, 22)
        assert working_days_between(start, add_working_days(start, n)) == n


class TestLondonTime:
    def test_a_bst_date_starts_at_2300_utc_the_day_before(self) -> None:
        assert start_of_london_day(date(2026, 7, 1)) == datetime(2026, 6, 30, 23, tzinfo=UTC)

    def test_a_gmt_date_starts_at_midnight_utc(self) -> None:
        assert start_of_london_day(date(2026, 12, 1)) == datetime(2026, 12, 1, tzinfo=UTC)

    def test_the_start_of_a_london_day_is_given_in_utc(self) -> None:
        assert start_of_london_day(date(2026, 7, 1)).utcoffset() == timedelta(0)

    def test_days_when_the_clocks_change_start_at_midnight_london_time(self) -> None:
        spring, autumn = date(2026, 3, 29), date(2026, 10, 25)
        assert start_of_london_day(spring) == datetime(2026, 3, 29, tzinfo=UTC)
        assert start_of_london_day(autumn) == datetime(2026, 10, 24, 23, tzinfo=UTC)

    def test_late_evening_utc_in_summer_is_already_the_next_london_day(self) -> None:
        assert london_date(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == date(2026, 7, 1)

    def test_late_evening_utc_in_winter_is_the_same_london_day(self) -> None:
        assert london_date(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == date(2026, 12, 31)

    def test_any_offset_is_converted_to_london(self) -> None:
        new_york = timezone(timedelta(hours=-5))
        assert london_date(datetime(2026, 12, 31, 20, tzinfo=new_york)) == date(2027, 1, 1)
        assert london_date(datetime(2026, 12, 31, 12, tzinfo=LONDON)) == date(2026, 12, 31)

    def test_a_naive_instant_is_refused(self) -> None:
        with pytest.raises(ValueError):
            london_date(datetime(2026, 7, 1, 12))
