"""What a client may write: identifiers in NFKC without invisible characters, free text
in NFC with line breaks but without format characters."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.domain.case import Case
from service.domain.errors import InvalidInput
from service.domain.text import check_identifier, check_references, check_text, matching_form

from .conftest import BRISTOL, HOUR, T0, Walk, open_case

CAFE_NFC = "Caf\u00e9-12"
CAFE_NFD = "Cafe\u0301-12"
FULLWIDTH = "\uff33\uff2f\uff2d\uff0d\uff11"  # "SOM-1" typed on a fullwidth keyboard

INVISIBLE_OR_FORMATTING = {
    "zero-width space": "SOM\u200b1",
    "only a zero-width space": "\u200b",
    "right-to-left override": "SOM\u202e1",
    "right-to-left isolate": "SOM\u20671",
    "byte-order mark": "\ufeffSOM1",
    "soft hyphen": "SOM\u00ad1",
    "word joiner": "SOM\u20601",
    "zero-width joiner": "SOM\u200d1",
    "Hangul filler": "SOM\u31641",
    "variation selector": "SOM\ufe0f1",
    "tag character": "SOM\U000e00411",
    "line separator": "SOM\u20281",
    "private use": "SOM\ue0001",
    "lone surrogate": "SOM\ud8001",
}


class TestIdentifiers:
    def test_composed_and_decomposed_accents_are_the_same_reference(self) -> None:
        assert (
            check_identifier(CAFE_NFD, "reference") == CAFE_NFC == check_identifier(CAFE_NFC, "r")
        )

    def test_fullwidth_letters_and_digits_are_the_ascii_ones(self) -> None:
        assert check_identifier(FULLWIDTH, "reference") == "SOM-1"

    def test_a_no_break_space_inside_is_a_space(self) -> None:
        assert check_identifier("SOM\u00a01", "reference") == "SOM 1"

    def test_surrounding_whitespace_is_stripped(self) -> None:
        assert check_identifier("\t SOM-1 \n", "reference") == "SOM-1"

    @pytest.mark.parametrize("value", ["SOM\n1", "SOM\t1", "SOM\x001", "SOM\x7f1"])
    def test_a_control_character_inside_is_refused(self, value: str) -> None:
        with pytest.raises(InvalidInput) as e:
            check_identifier(value, "reference")
        assert e.value.code == "control-characters"

    @pytest.mark.parametrize(
        "value", INVISIBLE_OR_FORMATTING.values(), ids=list(INVISIBLE_OR_FORMATTING)
    )
    def test_an_invisible_or_formatting_character_is_refused(self, value: str) -> None:
        with pytest.raises(InvalidInput) as e:
            check_identifier(value, "reference")
        assert e.value.code == "format-characters"

    def test_the_refusal_names_the_character_not_the_text(self) -> None:
        with pytest.raises(InvalidInput) as e:
            check_identifier("SECRET\u200bREF", "local_reference")
        assert "U+200B ZERO WIDTH SPACE" in e.value.detail
        assert "character 7" in e.value.detail
        assert "SECRET" not in e.value.detail

    def test_the_length_counts_the_normalised_form(self) -> None:
        assert check_identifier("\ufb01" * 32, "reference") == "fi" * 32  # 64 once folded
        with pytest.raises(InvalidInput) as e:
            check_identifier("\ufb01" * 33, "reference")
        assert e.value.code == "text-too-long"

    def test_a_list_of_references_is_checked_as_identifiers(self) -> None:
        assert check_references([FULLWIDTH, " DOC-2 "], "references") == ["SOM-1", "DOC-2"]
        with pytest.raises(InvalidInput) as e:
            check_references(["DOC\u202e1"], "references")
        assert e.value.code == "format-characters"


class TestMatchingForm:
    @pytest.mark.parametrize("value", ["SOM-1", CAFE_NFC, "R" * 64, "a b"])
    def test_an_accepted_identifier_is_its_own_matching_form(self, value: str) -> None:
        assert matching_form(check_identifier(value, "r")) == check_identifier(value, "r")

    @pytest.mark.parametrize(
        "recorded", ["SOM\u200b-1", "\ufeffSOM-1", FULLWIDTH, "SOM-1\u2060", " SOM-1"]
    )
    def test_a_reference_recorded_before_the_checks_matches_what_it_looks_like(
        self, recorded: str
    ) -> None:
        assert matching_form(recorded) == "SOM-1"

    @settings(max_examples=300)
    @given(st.text(st.characters(max_codepoint=0x7F)))
    def test_ascii_takes_the_short_way_to_the_same_form(self, value: str) -> None:
        kept = (c for c in unicodedata.normalize("NFKC", value) if unicodedata.category(c) != "Cc")
        assert matching_form(value) == "".join(kept).strip()


class TestFreeText:
    def test_text_is_composed_but_otherwise_kept(self) -> None:
        text = "Cafe\u0301 visit \uff11 \u00bd \ufb01nal"
        assert check_text(text, "summary") == unicodedata.normalize("NFC", text)
        assert "\uff11" in check_text(text, "summary")  # NFC, not NFKC: kept as written

    def test_line_breaks_and_tabs_are_kept(self) -> None:
        assert check_text("First visit.\r\n\tSecond visit.", "summary") == (
            "First visit.\r\n\tSecond visit."
        )

    def test_joiners_that_scripts_and_emoji_need_are_kept(self) -> None:
        persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # "I want", with a ZWNJ
        family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
        assert check_text(f"{persian} {family}", "summary") == f"{persian} {family}"

    @pytest.mark.parametrize(
        "value", ["Visit\u202e.txt", "A\u2066B\u2069", "\ufeffSummary", "A\u200bB", "tag\U000e0041"]
    )
    def test_bidirectional_controls_and_other_format_characters_are_refused(
        self, value: str
    ) -> None:
        with pytest.raises(InvalidInput) as e:
            check_text(value, "summary")
        assert e.value.code == "format-characters"

    def test_other_control_characters_are_refused(self) -> None:
        with pytest.raises(InvalidInput) as e:
            check_text("bell\x07", "summary")
        assert e.value.code == "control-characters"

    @pytest.mark.parametrize("value", ["", "   ", "\n\t"])
    def test_blank_text_is_refused(self, value: str) -> None:
        with pytest.raises(InvalidInput) as e:
            check_text(value, "summary")
        assert e.value.code == "text-required"


class TestTheCaseStoresNormalisedReferences:
    def test_a_case_opened_with_a_fullwidth_reference_holds_the_ascii_one(self) -> None:
        case = open_case(local_reference=FULLWIDTH)

        assert case.local_references == {"933": "SOM-1"}

    def test_the_same_reference_in_another_form_records_nothing(self, walk: Walk) -> None:
        case: Case = walk.case
        case.record_local_reference(by=BRISTOL, now=T0 + HOUR, reference=CAFE_NFC)
        case.collect_events()

        case.record_local_reference(by=BRISTOL, now=T0 + 2 * HOUR, reference=CAFE_NFD)

        assert list(case.collect_events()) == []

    def test_a_reference_of_only_a_zero_width_space_is_refused(self) -> None:
        with pytest.raises(InvalidInput) as e:
            open_case(local_reference="\u200b")
        assert e.value.code == "format-characters"
