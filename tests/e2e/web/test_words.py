"""How the pages write times, dates and numbers, and read what staff type."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from service.web import forms, words
from service.web.csrf import CsrfError, SignInForms, check_session_token, session_token


class TestLondonTime:
    def test_winter_times_are_gmt(self) -> None:
        assert words.when(datetime(2026, 11, 26, 9, 41, tzinfo=UTC)) == (
            "Thursday 26 November 2026 at 9:41am GMT"
        )

    def test_summer_times_are_bst_an_hour_ahead(self) -> None:
        assert words.when(datetime(2026, 7, 1, 14, 0, tzinfo=UTC)) == (
            "Wednesday 1 July 2026 at 3pm BST"
        )

    def test_a_hand_over_at_the_start_of_a_summer_day_is_that_day_not_the_one_before(
        self,
    ) -> None:
        start_of_2_july = datetime(2026, 7, 1, 23, 0, tzinfo=UTC)
        assert words.when(start_of_2_july) == "the start of Thursday 2 July 2026 (midnight BST)"

    def test_midday_is_written_out(self) -> None:
        assert words.clock_time(datetime(2026, 11, 26, 12, 0, tzinfo=UTC)) == "midday"

    @pytest.mark.parametrize(
        ("day", "expected"),
        [(26, "today"), (25, "yesterday"), (27, "tomorrow"), (20, "6 days ago"), (29, "in 3 days")],
    )
    def test_relative_days(self, day: int, expected: str) -> None:
        now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
        assert words.relative(datetime(2026, 11, day, 9, 0, tzinfo=UTC), now) == expected

    def test_dates_and_numbers(self) -> None:
        assert words.short_day(date(2019, 5, 4)) == "4 May 2019"
        assert words.nhs_number("9434765919") == "943 476 5919"
        assert words.authority_label("933") == "Somerset (933)"
        assert words.authority_label("999") == "Unknown authority (999)"


class TestForms:
    def test_an_nhs_number_is_read_however_it_is_spaced(self) -> None:
        for typed in ("9434765919", "943 476 5919", "943-476-5919", " 94347 65919 "):
            assert forms.nhs_number(typed) == "9434765919"

    def test_no_message_repeats_the_number(self) -> None:
        for typed in ("9434765918", "943476591", "5555555555"):
            with pytest.raises(forms.FormError) as refused:
                forms.nhs_number(typed)
            assert typed not in refused.value.error.message

    def test_a_case_id_is_read_in_any_case(self) -> None:
        case_id = "3F2B9A4E-5C1D-4E8F-9A7B-2C6D8E0F1A3B"
        assert forms.case_id(f" {case_id} ") == UUID(case_id)


class TestCsrfTokens:
    key = b"k" * 32
    nonce = "n" * 43
    now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)

    def test_a_sign_in_token_fits_only_its_nonce_and_key(self) -> None:
        forms_ = SignInForms(self.key)
        token = forms_.issue(self.nonce, self.now)
        forms_.check(self.nonce, token, self.now)
        with pytest.raises(CsrfError):
            forms_.check("m" * 43, token, self.now)
        with pytest.raises(CsrfError):
            SignInForms(b"x" * 32).check(self.nonce, token, self.now)

    @pytest.mark.parametrize("token", ["", "abc", "1.2.3", "99999999999999.x", "1764147600.é"])
    def test_malformed_tokens_are_refused(self, token: str) -> None:
        with pytest.raises(CsrfError):
            SignInForms(self.key).check(self.nonce, token, self.now)

    def test_a_session_token_is_bound_to_its_session(self) -> None:
        check_session_token("session-a", session_token("session-a"))
        with pytest.raises(CsrfError):
            check_session_token("session-b", session_token("session-a"))
        with pytest.raises(CsrfError):
            check_session_token("session-a", None)
