"""Reference data is read from the package's own CSV files and checks codes against them."""

from __future__ import annotations

import pytest

from service.domain import reference
from service.domain.errors import InvalidInput
from service.domain.reference import (
    Authority,
    assessment_factors,
    authorities,
    authority,
    check_assessment_factors,
    check_closure_reason,
    check_primary_need,
    closure_reasons,
    primary_need_codes,
)


class TestAuthorities:
    def test_lists_the_153_english_authorities_in_csv_order(self) -> None:
        codes = list(authorities())
        assert len(codes) == 153
        assert codes[:2] == ["201", "202"]

    def test_somerset_is_found_by_its_2023_code(self) -> None:
        assert authority("933") == Authority(
            code="933",
            name="Somerset",
            gss_code="E06000066",
            region_gss_code="E12000009",
            region_name="South West",
        )

    def test_names_containing_commas_are_read_whole(self) -> None:
        assert authority("801").name == "Bristol, City of"

    def test_an_unknown_code_is_invalid_input(self) -> None:
        with pytest.raises(InvalidInput) as raised:
            authority("999")
        assert raised.value.code == "unknown-authority"
        assert "999" in raised.value.detail

    def test_the_cached_mapping_cannot_be_changed_by_a_caller(self) -> None:
        with pytest.raises(TypeError):
            authorities()["000"] = authority("933")  # type: ignore[index]


class TestCodeLists:
    def test_assessment_factors_say_whose_concern_they_are(self) -> None:
        assert assessment_factors()["1A"] == "Alcohol misuse (child)"
        assert assessment_factors()["1B"] == "Alcohol misuse (parent or carer)"

    def test_retired_assessment_factors_are_left_out(self) -> None:
        assert "18A" not in assessment_factors()
        assert "19A" not in assessment_factors()

    def test_primary_need_codes_run_from_n0_to_n9(self) -> None:
        assert list(primary_need_codes()) == [f"N{i}" for i in range(10)]
        assert primary_need_codes()["N1"] == "Abuse or neglect"

    def test_closure_reasons_run_from_rc1_to_rc9(self) -> None:
        assert list(closure_reasons()) == [f"RC{i}" for i in range(1, 10)]
        assert closure_reasons()["RC5"] == "Transferred to services of another local authority"

    def test_tables_are_read_from_the_package_once(self) -> None:
        assert authorities() is authorities()
        assert reference.assessment_factors() is reference.assessment_factors()


class TestCheckAssessmentFactors:
    def test_known_codes_come_back_deduplicated_in_the_order_given(self) -> None:
        """The record never holds the duplicate factor CIN census rule 8898 refuses."""
        assert check_assessment_factors(["3B", "1A", "3B", "20"]) == ("3B", "1A", "20")

    def test_no_factors_identified_alone_is_accepted(self) -> None:
        assert check_assessment_factors(["21", "21"]) == ("21",)

    @pytest.mark.parametrize("codes", [["21", "1A"], ["3B", "21"], ["20", "21", "4A"]])
    def test_no_factors_identified_with_other_factors_is_refused(self, codes: list[str]) -> None:
        """CIN census rule 8869: "21" cannot be combined with any other factor."""
        with pytest.raises(InvalidInput) as raised:
            check_assessment_factors(codes)
        assert raised.value.code == "no-factors-combined"

    def test_unknown_codes_are_all_named(self) -> None:
        with pytest.raises(InvalidInput) as raised:
            check_assessment_factors(["1A", "99Z", "1a"])
        assert raised.value.code == "unknown-assessment-factor"
        assert "'99Z'" in raised.value.detail
        assert "'1a'" in raised.value.detail
        assert "'1A'" not in raised.value.detail

    def test_no_factors_at_all_is_refused(self) -> None:
        with pytest.raises(InvalidInput) as raised:
            check_assessment_factors([])
        assert raised.value.code == "assessment-factors-required"


class TestCheckCodes:
    def test_a_known_primary_need_code_is_returned(self) -> None:
        assert check_primary_need("N4") == "N4"

    @pytest.mark.parametrize("code", ["N10", "n1", "", "1"])
    def test_an_unknown_primary_need_code_is_refused(self, code: str) -> None:
        with pytest.raises(InvalidInput) as raised:
            check_primary_need(code)
        assert raised.value.code == "unknown-primary-need-code"

    def test_a_known_closure_reason_is_returned(self) -> None:
        assert check_closure_reason("RC5") == "RC5"

    @pytest.mark.parametrize("code", ["RC0", "RC10", "rc1", ""])
    def test_an_unknown_closure_reason_is_refused(self, code: str) -> None:
        with pytest.raises(InvalidInput) as raised:
            check_closure_reason(code)
        assert raised.value.code == "unknown-closure-reason"
