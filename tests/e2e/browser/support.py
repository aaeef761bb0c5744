"""Browser-test support: Chromium launch settings, the axe-core check, screenshots, and a
case history recorded through the API to look at."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page

from tests.e2e.api.support import Clock
from tests.paths import REPOSITORY

CHROMIUM = Path("/usr/bin/chromium")
AXE = REPOSITORY / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPOSITORY / "var" / "screenshots"
DOCS_SCREENSHOT = REPOSITORY / "docs" / "mash-case-page.png"
UPDATE_DOCS_VARIABLE = "CASE_TRANSFER_UPDATE_DOCS_SCREENSHOT"

# As the machine notes give them: without the networking flags Chromium keeps trying
# to reach Google's hosts, which this closed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERIOUS = ("serious", "critical")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now.

    axe is evaluated through the DevTools protocol, not added as a <script>: the pages'
    Content-Security-Policy (rightly) refuses inline scripts.
    """
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    violations: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ['violations']});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ')),
            }));
        }"""
    )
    return [v for v in violations if v["impact"] in SERIOUS]


def screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot under var/screenshots/ (git-ignored), for people to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def publish_for_readme(path: Path) -> None:
    """Copy a screenshot to docs/ (committed); only when asked, so tests leave git clean."""
    DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, DOCS_SCREENSHOT)


@dataclass(frozen=True)
class Story:
    """A case with a history: Somerset opened it, handed it to Bristol, and Bristol is
    now handing it to Leeds, accepted, with the hand-over scheduled the day after next."""

    case_id: str
    nhs_number: str


def record_story(base_url: str, tokens: dict[str, str], clock: Clock, nhs_number: str) -> Story:
    """Record the story through the API, the server's clock moved back and forward."""

    def caller(name: str) -> httpx.Client:
        return httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {tokens[name]}"}, timeout=30
        )

    somerset, bristol, leeds = caller("somerset"), caller("bristol"), caller("leeds")
    clock.offset = timedelta(days=-61)
    case_id = _ok(
        somerset.post(
            "/v1/cases",
            json={
                "local_reference": "SOM-2041",
                "nhs_number": nhs_number,
                "date_of_birth": "2019-05-04",
            },
        )
    )["case_id"]
    _hand_over(case_id, somerset, bristol, "801", clock, days_ahead=14)
    clock.offset = timedelta(days=-40)  # Bristol has been responsible for a week
    _ok(bristol.post(f"/v1/cases/{case_id}/local-references", json={"reference": "BRS/77310"}))
    clock.offset = timedelta(0)  # today: Bristol hands over to Leeds, the day after next
    _hand_over(case_id, bristol, leeds, "383", clock, days_ahead=2)
    for client in (somerset, bristol, leeds):
        client.close()
    return Story(case_id, nhs_number)


def _hand_over(
    case_id: str,
    origin: httpx.Client,
    receiver: httpx.Client,
    to: str,
    clock: Clock,
    *,
    days_ahead: int,
) -> None:
    """Every step of one transfer, accepted, responsibility passing ``days_ahead`` on."""
    today = clock.today().isoformat()
    transfer = _ok(
        origin.post(
            f"/v1/cases/{case_id}/transfers", json={"to_authority": to, "reason": "Family moved"}
        )
    )["active_transfer"]["transfer_id"]
    base = f"/v1/cases/{case_id}/transfers/{transfer}"
    _ok(
        origin.post(
            f"/v1/cases/{case_id}/assessments",
            json={
                "completed_on": today,
                "factors": ["3A", "8B"],
                "primary_need_code": "N1",
                "summary": "Neglect concerns; the family needs support with housing.",
            },
        )
    )
    _ok(
        origin.post(
            f"{base}/information-shared",
            json={
                "categories": ["assessment", "chronology"],
                "references": ["DOC-1"],
                "shared_on": today,
            },
        )
    )
    _ok(receiver.post(f"{base}/information-received"))
    on = (clock.today() + timedelta(days=days_ahead)).isoformat()
    _ok(origin.post(f"{base}/date-proposals", json={"date": on}))
    _ok(receiver.post(f"{base}/date-agreement", json={"date": on}))
    _ok(receiver.post(f"{base}/acceptance"))


def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body
