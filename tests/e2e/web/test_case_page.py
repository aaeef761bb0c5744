"""The case page: who is responsible now and since when, a transfer's four steps, the
instant responsibility passes, and the timeline picture with its words."""

from __future__ import annotations

import re
from datetime import timedelta
from xml.etree import ElementTree

from service.domain.calendar import start_of_london_day
from service.web import words
from tests.e2e.api.support import Api, complete_transfer

from .support import Staff, text

SVG = "{http://www.w3.org/2000/svg}"


def _steps(html: str) -> dict[str, tuple[bool, str]]:
    """The checklist: step key -> (done, the words under it)."""
    items = re.findall(r'data-step="(\w+)" data-done="(true|false)">(.*?)</li>', html, flags=re.S)
    return {key: (done == "true", text(body)) for key, done, body in items}


def _timeline(html: str) -> ElementTree.Element:
    found = re.search(r"<svg class=\"app-timeline\".*?</svg>", html, flags=re.S)
    assert found is not None, "no timeline on the page"
    return ElementTree.fromstring(found.group(0))


def _periods(svg: ElementTree.Element) -> list[dict[str, str]]:
    return [
        {"kind": g.attrib["class"].split("--")[-1], **g.attrib}
        for g in svg.iter(f"{SVG}g")
        if "app-timeline__period " in g.attrib.get("class", "") + " "
    ]


class TestMidTransfer:
    def test_before_acceptance_three_steps_are_done_and_the_originator_stays(
        self, staff: Staff, api: Api
    ) -> None:
        case_id = api.open_case()["case_id"]
        transfer_id = api.propose(case_id, to="801")
        api.ready_to_accept(case_id, transfer_id, on=api.clock.today() + timedelta(days=1))
        html = staff.signed_in().get(f"/mash/cases/{case_id}").text
        page = text(html)
        assert "Somerset is responsible" in page
        assert "Responsible now Somerset (933)" in page
        assert "Transfer In progress, to Bristol, City of (801)" in page
        steps = _steps(html)
        assert list(steps) == ["assessment", "information", "date", "acceptance"]
        assert steps["assessment"][0] and "Completed on" in steps["assessment"][1]
        assert steps["information"][0] and "Shared on" in steps["information"][1]
        tomorrow = words.day(api.clock.today() + timedelta(days=1))
        assert steps["date"] == (
            True,
            f"3. Transfer date agreed Responsibility to pass on "
            f"{tomorrow}, agreed on {words.day(api.clock.today())} Done",
        )
        assert steps["acceptance"][0] is False
        assert "waiting for Bristol, City of (801) to accept" in steps["acceptance"][1]
        assert "stays responsible until Bristol, City of (801) accepts" in page

    def test_after_acceptance_the_page_says_when_responsibility_passes(
        self, staff: Staff, api: Api
    ) -> None:
        case_id = api.open_case()["case_id"]
        transfer_id = api.propose(case_id, to="801")
        tomorrow = api.clock.today() + timedelta(days=1)
        api.ready_to_accept(case_id, transfer_id, on=tomorrow)
        assert api.accept(case_id, transfer_id).status_code == 200
        html = staff.signed_in().get(f"/mash/cases/{case_id}").text
        page = text(html)
        handover = start_of_london_day(tomorrow)
        passes = words.when(handover)
        assert passes.startswith("the start of ") and passes.endswith(
            ("(midnight GMT)", "(midnight BST)")
        )
        assert f"Responsibility passes to Bristol, City of (801) tomorrow, at {passes}" in page
        assert all(done for done, _ in _steps(html).values())
        assert "Somerset is responsible" in page

        svg = _timeline(html)
        periods = _periods(svg)
        assert [(p["data-authority"], p["kind"]) for p in periods] == [
            ("933", "current"),
            ("801", "scheduled"),
        ]
        assert periods[1]["data-since"] == handover.isoformat()
        today = next(
            g for g in svg.iter(f"{SVG}g") if g.attrib.get("class") == "app-timeline__today"
        )
        assert today.attrib["data-at"] <= handover.isoformat()
        assert svg.attrib["role"] == "img"
        assert "Scheduled: Bristol, City of (801) responsible from " + passes in (
            svg.findtext(f"{SVG}desc") or ""
        )
        assert "Bristol, City of (801) (scheduled)" in text(html.split('id="timeline-table"')[1])

    def test_a_proposed_date_not_yet_agreed_says_who_must_agree(
        self, staff: Staff, api: Api
    ) -> None:
        case_id = api.open_case()["case_id"]
        transfer_id = api.propose(case_id, to="801")
        on = api.clock.today() + timedelta(days=3)
        proposed = api.somerset.post(
            f"/v1/cases/{case_id}/transfers/{transfer_id}/date-proposals",
            json={"date": on.isoformat()},
        )
        assert proposed.status_code == 200
        steps = _steps(staff.signed_in().get(f"/mash/cases/{case_id}").text)
        assert [done for done, _ in steps.values()] == [False, False, False, False]
        assert (
            f"Somerset (933) proposed {words.day(on)}; waiting for Bristol, City of (801) to agree"
            in steps["date"][1]
        )

    def test_once_the_hand_over_instant_passes_the_receiver_is_responsible(
        self, staff: Staff, api: Api
    ) -> None:
        case_id = api.open_case()["case_id"]
        complete_transfer(api, case_id)
        html = staff.signed_in("auditor").get(f"/mash/cases/{case_id}").text
        page = text(html)
        assert "Bristol, City of is responsible" in page
        assert "Transfer None in progress" in page
        assert 'id="transfer-steps"' not in html
        kinds = [(p["data-authority"], p["kind"]) for p in _periods(_timeline(html))]
        assert kinds == [("933", "past"), ("801", "current")]


class TestOtherCases:
    def test_a_new_case_shows_who_opened_it_since_when_in_london_time(
        self, staff: Staff, api: Api
    ) -> None:
        case = api.open_case(nhs_number="9434765919", local_reference="SOM-42")
        page = text(staff.signed_in().get(f"/mash/cases/{case['case_id']}").text)
        assert "Responsible now Somerset (933)" in page
        assert re.search(r"Since \w+day \d+ \w+ \d{4} at \d+(:\d\d)?(am|pm) (GMT|BST), today", page)
        assert "NHS number 943 476 5919" in page
        assert "Date of birth 4 May 2019" in page
        assert "Somerset (933): SOM-42" in page
        assert "Transfer None in progress" in page

    def test_a_closed_case_says_nobody_is_responsible_and_why(self, staff: Staff, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        assert api.close(case_id).status_code == 200
        html = staff.signed_in().get(f"/mash/cases/{case_id}").text
        page = text(html)
        assert "No authority is responsible: the case is closed" in page
        assert "(RC8)" in page
        assert [p["kind"] for p in _periods(_timeline(html))] == ["past"]

    def test_another_authoritys_mash_sees_the_case_too(self, staff: Staff, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        response = staff.signed_in("leeds-mash").get(f"/mash/cases/{case_id}")
        assert response.status_code == 200
