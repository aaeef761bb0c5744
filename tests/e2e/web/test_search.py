"""Finding a child: by NHS number (POST, then a redirect without it) or by case id."""

from __future__ import annotations

import logging

import pytest

from tests.e2e.api.support import Api, random_nhs_number

from .support import Staff, error_summary, text, title

REFERENCE_NHS_NUMBER = "9434765919"  # the NHS's own example, with a valid check digit


class TestByNhsNumber:
    def test_a_child_with_an_open_case_goes_straight_to_it(self, staff: Staff, api: Api) -> None:
        nhs = random_nhs_number()
        case = api.open_case(nhs_number=nhs)
        staff.signed_in()
        response = staff.search(f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}")
        assert response.status_code == 303
        assert response.headers["location"] == f"/mash/cases/{case['case_id']}"

    @pytest.mark.parametrize(
        ("typed", "message"),
        [
            ("", "Enter the child's NHS number"),
            ("12345", "Enter the NHS number as 10 digits, like 943 476 5919"),
            ("943 476 591X", "Enter the NHS number as 10 digits, like 943 476 5919"),
            ("4444444444", "Enter a real NHS number, not one digit repeated"),
            (
                "943 476 5918",
                "Enter a valid NHS number: the last digit does not match the others, so at "
                "least one digit is wrong",
            ),
        ],
    )
    def test_a_bad_number_gets_the_error_summary_and_a_message_by_the_field(
        self, staff: Staff, typed: str, message: str
    ) -> None:
        staff.signed_in()
        response = staff.search(typed)
        assert response.status_code == 400
        assert error_summary(response.text) == [("nhs-number", message)]
        assert (
            title(response.text) == "Error: Find a child \u2013 Find who is responsible for a child"
        )
        assert 'id="nhs-number-error"' in response.text
        assert "govuk-input--error" in response.text
        assert 'aria-describedby="nhs-number-hint nhs-number-error"' in response.text

    def test_written_with_hyphens_or_odd_spacing_is_understood(
        self, staff: Staff, api: Api
    ) -> None:
        nhs = random_nhs_number()
        case = api.open_case(nhs_number=nhs)
        staff.signed_in()
        for typed in (f"{nhs[:3]}-{nhs[3:6]}-{nhs[6:]}", f" {nhs[:5]} {nhs[5:]} "):
            response = staff.search(typed)
            assert response.headers["location"] == f"/mash/cases/{case['case_id']}"

    def test_no_case_at_all_says_no_open_case_and_what_to_do(self, staff: Staff) -> None:
        staff.signed_in()
        response = staff.search(REFERENCE_NHS_NUMBER)
        assert (response.status_code, response.headers["location"]) == (303, "/mash/no-open-case")
        page = text(staff.get(response.headers["location"]).text)
        assert "No open case found" in page
        assert "What to do next" in page
        assert "follow your MASH procedure" in page

    def test_a_closed_case_is_listed_but_not_open(self, staff: Staff, api: Api) -> None:
        nhs = random_nhs_number()
        case = api.open_case(nhs_number=nhs)
        closed = api.somerset.post(
            f"/v1/cases/{case['case_id']}/closure", json={"reason_code": "RC8"}
        )
        assert closed.status_code == 200, closed.text
        staff.signed_in()
        response = staff.search(nhs)
        assert response.headers["location"] == f"/mash/no-open-case?closed={case['case_id']}"
        page = staff.get(response.headers["location"])
        assert "No open case found" in text(page.text)
        assert f'href="/mash/cases/{case["case_id"]}"' in page.text

    def test_an_open_case_is_never_listed_as_closed(self, staff: Staff, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        staff.signed_in()
        page = staff.get(f"/mash/no-open-case?closed={case_id},junk")
        assert page.status_code == 200
        assert case_id not in page.text

    def test_the_number_is_in_no_url_and_no_log_line(
        self, staff: Staff, api: Api, caplog: pytest.LogCaptureFixture
    ) -> None:
        known, unknown = random_nhs_number(), random_nhs_number()
        api.open_case(nhs_number=known)
        staff.signed_in()
        caplog.set_level(logging.DEBUG)
        responses = [staff.search(n) for n in (known, unknown, unknown[:-1] + "x")]
        responses += [staff.get(r.headers["location"]) for r in responses if r.is_redirect]
        for response in responses:
            assert known not in str(response.url) and unknown not in str(response.url)
            assert known not in response.headers.get("location", "")
            assert unknown not in response.headers.get("location", "")
        logged = [r for r in caplog.records if r.name == "service.requests"]
        assert any(getattr(r, "path", "") == "/mash/search" for r in logged)
        for record in caplog.records:
            line = record.getMessage() + repr(record.__dict__)
            for number in (known, unknown, unknown[:9]):
                assert number not in line

    def test_the_search_form_needs_its_token(self, staff: Staff) -> None:
        staff.signed_in()
        response = staff.post("/mash/search", {"nhs_number": REFERENCE_NHS_NUMBER})
        assert response.status_code == 403
        response = staff.post(
            "/mash/search", {"nhs_number": REFERENCE_NHS_NUMBER, "csrf_token": "forged"}
        )
        assert response.status_code == 403


class TestByCaseId:
    def test_a_case_id_goes_to_the_case(self, staff: Staff, api: Api) -> None:
        case = api.open_case()
        staff.signed_in()
        response = staff.look_up(f"  {case['case_id'].upper()} ")
        assert response.headers["location"] == f"/mash/cases/{case['case_id']}"
        assert staff.get(response.headers["location"]).status_code == 200

    @pytest.mark.parametrize(
        ("typed", "message"),
        [
            ("", "Enter the case id"),
            (
                "not-a-case",
                "Enter the case id as the case system shows it, like "
                "3f2b9a4e-5c1d-4e8f-9a7b-2c6d8e0f1a3b",
            ),
        ],
    )
    def test_a_malformed_id_gets_the_error_summary(
        self, staff: Staff, typed: str, message: str
    ) -> None:
        staff.signed_in()
        response = staff.look_up(typed)
        assert response.status_code == 400
        assert error_summary(response.text) == [("case-id", message)]

    def test_an_unknown_case_is_a_404_page_saying_what_to_do(self, staff: Staff) -> None:
        staff.signed_in()
        response = staff.look_up("8b2f8e4c-9d0a-4f43-9c55-0d0c6f1b8a11")
        page = staff.get(response.headers["location"])
        assert page.status_code == 404
        assert "text/html" in page.headers["content-type"]
        assert "No case found" in text(page.text)
        assert "What to do next" in text(page.text)

    def test_a_malformed_id_in_the_address_is_a_404_page(self, staff: Staff) -> None:
        staff.signed_in()
        page = staff.get("/mash/cases/not-a-uuid")
        assert page.status_code == 404
        assert "No case found" in text(page.text)
