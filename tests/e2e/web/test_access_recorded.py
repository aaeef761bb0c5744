"""The MASH pages record each case they show, and each case a search finds, in the access
log before the page is sent (issue "MASH page", item 7)."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from tests.e2e.api.support import Api, random_nhs_number

from .support import Staff


def reads_of(api: Api, case_id: str) -> list[tuple[str, str]]:
    """(principal, route) of each recorded read of the case, oldest first."""
    response = api.auditor.get(f"/v1/access-log?case_id={case_id}")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return [(r["principal"]["name"], r["route"]) for r in reversed(items)]


class TestPagesRecordReads:
    def test_a_search_and_the_case_page_it_leads_to_are_recorded(
        self, staff: Staff, api: Api
    ) -> None:
        nhs = random_nhs_number()
        case_id = api.open_case(nhs_number=nhs)["case_id"]
        staff.signed_in()

        found = staff.search(nhs)
        page = staff.get(found.headers["location"])

        assert page.status_code == 200
        assert reads_of(api, case_id) == [
            ("Somerset MASH", "POST /mash/search"),
            ("Somerset MASH", "GET /mash/cases/{case_id}"),
        ]

    def test_closed_cases_listed_after_a_search_are_recorded(self, staff: Staff, api: Api) -> None:
        nhs = random_nhs_number()
        case_id = api.open_case(nhs_number=nhs)["case_id"]
        closed = api.somerset.post(f"/v1/cases/{case_id}/closure", json={"reason_code": "RC8"})
        assert closed.status_code == 200, closed.text
        staff.signed_in("auditor")

        found = staff.search(nhs)
        listing = staff.get(found.headers["location"])

        assert listing.status_code == 200 and case_id in listing.text
        assert reads_of(api, case_id) == [
            ("Auditor", "POST /mash/search"),
            ("Auditor", "GET /mash/no-open-case"),
        ]

    def test_a_page_for_no_such_case_records_nothing(self, staff: Staff, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        staff.signed_in()

        assert staff.get(f"/mash/cases/{uuid4()}").status_code == 404
        assert staff.get("/mash/cases/not-a-case").status_code == 404

        assert reads_of(api, case_id) == []
