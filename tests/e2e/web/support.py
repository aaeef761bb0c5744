"""A member of staff using the MASH pages through a real HTTP client, and page readers."""

from __future__ import annotations

import re
from html import unescape

import httpx
from fastapi.testclient import TestClient

_HIDDEN_TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')
_SUMMARY = re.compile(r'govuk-error-summary__list">(.*?)</ul>', re.S)
_SUMMARY_ITEM = re.compile(r'<a href="#([^"]+)">([^<]+)</a>')
_TITLE = re.compile(r"<title>([^<]*)</title>")
_TAGS = re.compile(r"<[^>]+>")


def csrf_token(html: str) -> str:
    """The hidden CSRF token of the first form on the page."""
    found = _HIDDEN_TOKEN.search(html)
    assert found is not None, "no csrf_token field on the page"
    return found.group(1)


def error_summary(html: str) -> list[tuple[str, str]]:
    """The error summary's links: (the field id it links to, the message)."""
    found = _SUMMARY.search(html)
    if found is None:
        return []
    return [
        (field, unescape(text.strip())) for field, text in _SUMMARY_ITEM.findall(found.group(1))
    ]


def title(html: str) -> str:
    found = _TITLE.search(html)
    assert found is not None
    return unescape(found.group(1))


def text(html: str) -> str:
    """The page's words, tags removed and white space collapsed, for ``in`` checks."""
    return " ".join(unescape(_TAGS.sub(" ", html)).split())


class Staff:
    """Sign in, search and sign out as a person would, with the client's cookie jar."""

    def __init__(self, client: TestClient, tokens: dict[str, str]) -> None:
        self.client = client
        self.tokens = tokens

    def get(self, path: str) -> httpx.Response:
        response: httpx.Response = self.client.get(path, follow_redirects=False)
        return response

    def post(self, path: str, data: dict[str, str]) -> httpx.Response:
        response: httpx.Response = self.client.post(path, data=data, follow_redirects=False)
        return response

    def sign_in(self, who: str = "mash") -> httpx.Response:
        """Sign in with ``who``'s token (a short name: mash, auditor, somerset...)."""
        return self.submit_token(self.tokens[who])

    def submit_token(self, token: str) -> httpx.Response:
        form = self.get("/mash/sign-in")
        assert form.status_code == 200, form.text
        return self.post("/mash/sign-in", {"token": token, "csrf_token": csrf_token(form.text)})

    def signed_in(self, who: str = "mash") -> Staff:
        response = self.sign_in(who)
        assert response.status_code == 303, response.text
        return self

    def page_token(self) -> str:
        """The CSRF token the signed-in pages carry."""
        page = self.get("/mash/")
        assert page.status_code == 200, page.headers.get("location")
        return csrf_token(page.text)

    def search(self, nhs_number: str) -> httpx.Response:
        return self.post(
            "/mash/search", {"nhs_number": nhs_number, "csrf_token": self.page_token()}
        )

    def look_up(self, case_id: str) -> httpx.Response:
        return self.post("/mash/case-lookup", {"case_id": case_id, "csrf_token": self.page_token()})

    def sign_out(self) -> httpx.Response:
        return self.post("/mash/sign-out", {"csrf_token": self.page_token()})

    @property
    def session_cookie(self) -> str | None:
        value: str | None = self.client.cookies.get("mash-session")
        return value
