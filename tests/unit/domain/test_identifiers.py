"""NHS numbers are accepted only when well formed and their Modulus 11 check digit holds."""

from __future__ import annotations

import pytest

from service.domain.errors import InvalidInput
from service.domain.identifiers import check_nhs_number, is_valid_nhs_number


class TestValidNhsNumbers:
    @pytest.mark.parametrize("number", ["9434765919", "9434765870"])
    def test_a_number_whose_check_digit_holds_is_accepted(self, number: str) -> None:
        assert check_nhs_number(number) == number
        assert is_valid_nhs_number(number)

    @pytest.mark.parametrize(
        "written", ["943 476 5919", "943-476-5919", "  9434765919 ", " 943 476 5919\n"]
    )
    def test_grouped_or_padded_forms_give_the_bare_digits(self, written: str) -> None:
        assert check_nhs_number(written) == "9434765919"

    def test_a_check_digit_of_eleven_is_written_as_zero(self) -> None:
        # 9434765870: the weighted sum of its first nine digits is a multiple of 11.
        assert check_nhs_number("9434765870") == "9434765870"


class TestInvalidNhsNumbers:
    @pytest.mark.parametrize(
        "value",
        [
            "",
            "943476591",  # nine digits
            "94347659190",  # eleven digits
            "943476591X",
            "9434 765 919",  # digits right, groups wrong
            "943 476-5919",  # separators mixed
            "943  476 5919",  # doubled separator
            "943.476.5919",
            "".join(chr(0xFF10 + int(d)) for d in "9434765919"),  # full-width
        ],
    )
    def test_anything_but_ten_digits_in_3_3_4_groups_is_refused(self, value: str) -> None:
        with pytest.raises(InvalidInput) as raised:
            check_nhs_number(value)
        assert raised.value.code == "invalid-nhs-number"
        assert "10 digits" in raised.value.detail
        assert not is_valid_nhs_number(value)

    @pytest.mark.parametrize("number", ["9434765918", "9434765910", "4934765919"])
    def test_a_wrong_check_digit_or_transposed_digits_are_refused(self, number: str) -> None:
        with pytest.raises(InvalidInput) as raised:
            check_nhs_number(number)
        assert raised.value.code == "invalid-nhs-number"
        assert "check digit" in raised.value.detail
        assert not is_valid_nhs_number(number)

    @pytest.mark.parametrize("last", "0123456789")
    def test_nine_digits_that_call_for_a_check_digit_of_ten_fit_no_number(self, last: str) -> None:
        # 943476503: 11 - (weighted sum mod 11) is 10, so no tenth digit makes it valid.
        assert not is_valid_nhs_number("943476503" + last)

    @pytest.mark.parametrize("digit", "0123456789")
    def test_one_repeated_digit_is_refused_as_a_placeholder(self, digit: str) -> None:
        with pytest.raises(InvalidInput) as raised:
            check_nhs_number(digit * 10)
        assert raised.value.code == "invalid-nhs-number"
        assert "placeholder" in raised.value.detail

    def test_the_detail_does_not_repeat_the_number(self) -> None:
        with pytest.raises(InvalidInput) as raised:
            check_nhs_number("9434765918")
        assert "9434765918" not in raised.value.detail
