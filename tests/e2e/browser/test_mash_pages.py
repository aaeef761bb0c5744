"""The MASH pages in a real browser (Debian's Chromium, headless): sign in, search, read a
case mid-transfer, sign out; each page checked with axe-core and photographed."""

from __future__ import annotations

import os
import re

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.api.support import random_nhs_number

from .conftest import Server
from .support import (
    UPDATE_DOCS_VARIABLE,
    axe_violations,
    publish_for_readme,
    record_story,
    screenshot,
)

EXAMPLE_NHS_NUMBER = "9434765919"


def _sign_in(page: Page, server: Server, who: str = "mash") -> None:
    page.goto(f"{server.url}/mash/")
    expect(page).to_have_url(re.compile(r"/mash/sign-in$"))
    page.get_by_label("Sign in").fill(server.tokens[who])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a child")


def _accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert violations == [], f"axe: serious or critical violations on {page.url}: {violations}"


class TestTheLookUpJourney:
    def test_sign_in_search_read_a_case_mid_transfer_and_sign_out(
        self, page: Page, server: Server
    ) -> None:
        story = record_story(server.url, server.tokens, server.clock, EXAMPLE_NHS_NUMBER)

        page.goto(f"{server.url}/mash/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
        _accessible(page)
        screenshot(page, "01-sign-in")
        page.get_by_label("Sign in").fill(server.tokens["mash"])
        page.get_by_role("button", name="Sign in").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Find a child")
        expect(page.get_by_text("Signed in as Somerset MASH")).to_be_visible()
        _accessible(page)
        screenshot(page, "02-find-a-child")

        page.get_by_label("NHS number").fill("943 476 5918")
        page.get_by_role("button", name="Search by NHS number").click()
        summary = page.locator(".govuk-error-summary")
        expect(summary).to_be_visible()
        expect(summary).to_be_focused()  # GOV.UK Frontend's script ran, under the CSP
        expect(page).to_have_title(re.compile(r"^Error: Find a child"))
        summary.get_by_role("link").click()
        expect(page.get_by_label("NHS number")).to_be_focused()
        _accessible(page)
        screenshot(page, "03-invalid-nhs-number")

        page.get_by_label("NHS number").fill("943 476 5919")
        page.get_by_role("button", name="Search by NHS number").click()
        expect(page).to_have_url(f"{server.url}/mash/cases/{story.case_id}")
        assert "9434765919" not in page.url
        expect(page.get_by_role("heading", level=1)).to_have_text("Bristol, City of is responsible")
        expect(page.locator("#responsible-now")).to_contain_text("Bristol, City of (801)")
        expect(page.locator(".govuk-warning-text")).to_contain_text(
            re.compile(r"Responsibility passes to Leeds \(383\) in 2 days, at the start of \w+day")
        )
        steps = page.locator("#transfer-steps li")
        expect(steps).to_have_count(4)
        for index, name in enumerate(
            [
                "Assessment completed",
                "Information shared",
                "Transfer date agreed",
                "Responsibility accepted",
            ]
        ):
            expect(steps.nth(index)).to_contain_text(name)
            expect(steps.nth(index)).to_contain_text("Done")
        timeline = page.get_by_role("img", name=re.compile("Which authority has been responsible"))
        expect(timeline).to_be_visible()
        expect(timeline.locator(".app-timeline__period--scheduled")).to_have_attribute(
            "data-authority", "383"
        )
        expect(timeline.locator(".app-timeline__today")).to_be_visible()
        expect(page.locator("#timeline-table")).to_contain_text("Leeds (383) (scheduled)")
        expect(page.locator("body")).to_contain_text(re.compile(r"\b(GMT|BST)\b"))
        _accessible(page)
        shot = screenshot(page, "04-case-mid-transfer")
        if os.environ.get(UPDATE_DOCS_VARIABLE):
            publish_for_readme(shot)

        case_url = page.url
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")
        _accessible(page)
        screenshot(page, "05-signed-out")

        page.goto(case_url)
        expect(page).to_have_url(re.compile(r"/mash/sign-in$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
        assert page.get_by_text("Bristol, City of is responsible").count() == 0
        page.go_back()
        expect(page.get_by_text("Leeds (383)")).to_have_count(0)  # no case from the cache


class TestOtherPages:
    def test_no_open_case_page_not_found_and_keyboard_use(self, page: Page, server: Server) -> None:
        page.goto(f"{server.url}/mash/sign-in")
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Skip to main content")
        expect(skip).to_be_focused()
        expect(skip).to_be_visible()
        focus_colour = skip.evaluate("e => getComputedStyle(e).backgroundColor")
        assert focus_colour == "rgb(255, 221, 0)", "GOV.UK's yellow focus state is visible"
        token = page.get_by_label("Sign in")
        token.focus()
        outline = token.evaluate("e => getComputedStyle(e).outlineStyle")
        assert outline != "none"
        page.keyboard.type(server.tokens["auditor"])
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Find a child")
        expect(page.get_by_text("Signed in as Auditor")).to_be_visible()

        page.get_by_label("NHS number").fill(random_nhs_number())
        page.get_by_label("NHS number").press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("No open case found")
        _accessible(page)
        screenshot(page, "06-no-open-case")

        page.goto(f"{server.url}/mash/no/such/page")
        expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
        _accessible(page)
        screenshot(page, "07-page-not-found")

    def test_an_authority_token_is_refused_with_the_error_summary(
        self, page: Page, server: Server
    ) -> None:
        page.goto(f"{server.url}/mash/sign-in")
        page.get_by_label("Sign in").fill(server.tokens["somerset"])
        page.get_by_role("button", name="Sign in").click()
        summary = page.locator(".govuk-error-summary")
        expect(summary).to_contain_text("cannot sign in to these pages")
        expect(summary).to_be_focused()
        _accessible(page)
        screenshot(page, "08-authority-token-refused")


class TestDecisionsOnTheCasePage:
    def test_discussions_and_differences_read_and_pass_axe(
        self, page: Page, server: Server
    ) -> None:
        somerset = httpx.Client(
            base_url=server.url,
            headers={"Authorization": f"Bearer {server.tokens['somerset']}"},
            timeout=30,
        )
        opened = somerset.post(
            "/v1/cases",
            json={
                "local_reference": "SOM-DEC-1",
                "nhs_number": random_nhs_number(),
                "date_of_birth": "2025-09-01",
            },
        )
        case_id = opened.json()["case_id"]
        now = server.clock.now()
        discussions = f"/v1/cases/{case_id}/strategy-discussions"
        convened = somerset.post(
            discussions,
            json={
                "scheduled_for": now.isoformat(),
                "mode": "call",
                "chair": "Team manager",
                "reason": "Hospital concern: bruising to a baby.",
                "invited": [
                    {"code": "police-local", "kind": "police", "name": "Local Police"},
                    {"code": "hospital-local", "kind": "hospital", "name": "Local Hospital"},
                ],
            },
        )
        discussion = f"{discussions}/{convened.json()['discussion_id']}"
        held = somerset.post(
            f"{discussion}/outcome",
            json={
                "held_at": now.isoformat(),
                "attended": ["933", "police-local", "hospital-local"],
                "outcome": "no-further-action",
                "rationale": "Explanation accepted.",
            },
        )
        assert held.status_code == 200, held.text
        somerset.post(
            f"{discussion}/minutes",
            json={"to": ["police-local", "hospital-local"], "circulated_at": now.isoformat()},
        )
        dissented = somerset.post(
            f"{discussion}/dissents",
            json={
                "account": "We understood a section 47 enquiry would start.",
                "agency": "hospital-local",
                "obtained_how": "Email from the named nurse.",
            },
        )
        assert dissented.status_code == 201, dissented.text
        raised = somerset.post(
            f"/v1/cases/{case_id}/professional-differences",
            json={
                "responded_by": "hospital-local",
                "about": "The outcome of the discussion.",
                "disputed": "Whether an enquiry starts.",
                "outcome_sought": "Agreement.",
                "held_by": "Team manager",
            },
        )
        assert raised.status_code == 201, raised.text

        _sign_in(page, server)
        page.goto(f"{server.url}/mash/cases/{case_id}")
        expect(page.get_by_role("heading", name="Decisions on the record")).to_be_visible()
        expect(page.locator(".app-discussion")).to_contain_text("Not invited: the child's GP")
        expect(page.locator(".app-discussion")).to_contain_text("Disputed")
        checklist = page.get_by_role("list", name="Minutes and acknowledgements")
        expect(checklist.locator("li")).to_have_count(2)
        expect(page.locator("#differences")).to_contain_text("Stage 1: practitioners")
        _accessible(page)
        screenshot(page, "06-case-decisions")
