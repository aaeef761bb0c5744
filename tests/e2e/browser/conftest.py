"""Fixtures for the browser tests: Debian's Chromium driven by Playwright, against the
real app served by uvicorn on a free localhost port, on a fresh SQLite store.

Without /usr/bin/chromium the tests skip, saying how to install it; they never use a
browser Playwright would download (this machine's network refuses that).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from service.adapters.principals import add_principal, create_development_principals
from service.asgi import create_app
from service.settings import Settings
from service.web import mount_mash
from tests.e2e.api.support import NAMES, Clock, live_server

from .support import AXE, CHROMIUM, CHROMIUM_ARGS


@dataclass(frozen=True)
class Server:
    """The app served on localhost, its principals' tokens and its clock."""

    url: str
    tokens: dict[str, str]
    clock: Clock


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("browser")
    principals = folder / "principals.toml"
    tokens = create_development_principals(principals)
    by_short = {short: tokens[name] for short, name in NAMES.items()}
    by_short["leeds-mash"] = add_principal(
        principals, name="Leeds MASH", role="mash", authority="383"
    )
    settings = Settings(
        database_url=f"sqlite:///{folder}/events.sqlite3", principals_file=Path(principals)
    )
    clock = Clock()
    app = create_app(settings, clock=clock.now)
    mount_mash(app, settings)
    with live_server(app) as url:
        yield Server(url, by_short, clock)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"Browser tests skipped: no Chromium at {CHROMIUM}. Install Debian's with "
            "`apt-get install -y chromium` (.ci/run does) to run them."
        )
    assert AXE.is_file(), f"axe-core is not installed at {AXE}: run `npm ci` (make test does)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile per test: no cookies carried between tests."""
    opened = browser.new_context(viewport={"width": 1100, "height": 900}, locale="en-GB")
    yield opened
    opened.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A page that records Content-Security-Policy reports and script errors."""
    opened = context.new_page()
    problems: list[str] = []
    opened.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    opened.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    yield opened
    assert problems == [], "the page refused or failed something: " + "; ".join(problems)
