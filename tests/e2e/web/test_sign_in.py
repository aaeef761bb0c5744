"""Signing in to the MASH pages: who may, the cookie they get, and the form's protection."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.adapters.keys import new_encryption_key
from service.adapters.tables import web_sessions
from service.asgi import create_app
from service.audit.signing import new_signing_key
from service.settings import Settings
from service.web import mount_mash
from tests.e2e.api.support import Clock

from .support import Staff, csrf_token, error_summary, text, title


def _cookie_header(response: httpx.Response, name: str) -> str:
    found = [c for c in response.headers.get_list("set-cookie") if c.startswith(f"{name}=")]
    assert found, f"no {name} cookie set"
    return found[0]


class TestWhoMaySignIn:
    @pytest.mark.parametrize("who", ["mash", "leeds-mash", "auditor"])
    def test_mash_and_auditor_tokens_sign_in(self, staff: Staff, who: str) -> None:
        response = staff.sign_in(who)
        assert response.status_code == 303
        assert response.headers["location"] == "/mash/"
        home = staff.get("/mash/")
        assert home.status_code == 200
        assert "Find a child" in text(home.text)

    @pytest.mark.parametrize("who", ["somerset", "bristol"])
    def test_an_authority_case_system_token_is_refused_with_an_error_summary(
        self, staff: Staff, who: str
    ) -> None:
        response = staff.sign_in(who)
        assert response.status_code == 403
        assert error_summary(response.text) == [
            (
                "token",
                "Enter a MASH or auditor token: a local authority case system's token "
                "cannot sign in to these pages",
            )
        ]
        assert title(response.text).startswith("Error: Sign in")
        assert staff.session_cookie is None
        assert staff.get("/mash/").status_code == 303

    def test_an_unknown_token_is_refused(self, staff: Staff) -> None:
        response = staff.submit_token("not-a-token")
        assert response.status_code == 401
        assert error_summary(response.text)[0][0] == "token"
        assert "not recognised" in error_summary(response.text)[0][1]

    def test_an_empty_token_asks_for_one(self, staff: Staff) -> None:
        response = staff.submit_token("   ")
        assert response.status_code == 400
        assert error_summary(response.text) == [("token", "Enter your sign-in token")]
        assert 'aria-describedby="token-hint token-error"' in response.text

    def test_the_token_typed_is_never_shown_back(
        self, staff: Staff, principals: tuple[Path, dict[str, str]]
    ) -> None:
        token = principals[1]["somerset"]
        response = staff.submit_token(token)
        assert token not in response.text


class TestTheSessionCookie:
    def test_is_httponly_strict_and_expiring_but_not_secure_in_development(
        self, staff: Staff
    ) -> None:
        cookie = _cookie_header(staff.sign_in(), "mash-session")
        assert "HttpOnly" in cookie
        assert "SameSite=strict" in cookie
        assert "Max-Age=28800" in cookie  # 8 hours
        assert "Path=/" in cookie
        assert "Secure" not in cookie

    def test_only_the_digest_of_the_session_id_is_stored(self, staff: Staff, app: FastAPI) -> None:
        staff.signed_in("mash")
        session_id = staff.session_cookie
        assert session_id is not None
        with app.state.service.engine.connect() as connection:
            rows = connection.execute(select(web_sessions)).all()
        assert len(rows) == 1
        row = rows[0]
        assert row.id_sha256 == hashlib.sha256(session_id.encode()).hexdigest()
        assert session_id not in repr(tuple(row))
        assert (row.principal_name, row.role, row.authority) == ("Somerset MASH", "mash", "933")
        assert row.expires_at - row.created_at == timedelta(hours=8)
        assert row.ended_at is None

    def test_a_sign_in_form_from_before_signing_in_cannot_be_sent_again(self, staff: Staff) -> None:
        """Signing in spends the form's nonce: a second tab's form is refused."""
        second_tab = csrf_token(staff.get("/mash/sign-in").text)
        staff.signed_in("mash")
        again = staff.post(
            "/mash/sign-in", {"token": staff.tokens["auditor"], "csrf_token": second_tab}
        )
        assert again.status_code == 403

    def test_signing_in_over_a_session_ends_it(self, staff: Staff, client: TestClient) -> None:
        form = staff.get("/mash/sign-in")
        nonce = client.cookies["mash-sign-in"]
        staff.signed_in("mash")
        first = staff.session_cookie
        client.cookies.set("mash-sign-in", nonce)  # a browser that kept the form's cookie
        again = staff.post(
            "/mash/sign-in", {"token": staff.tokens["auditor"], "csrf_token": csrf_token(form.text)}
        )
        assert again.status_code == 303
        assert staff.session_cookie not in (None, first)
        client.cookies.clear()
        client.cookies.set("mash-session", first or "")
        assert staff.get("/mash/").status_code == 303

    def test_a_signed_in_visit_to_the_sign_in_page_goes_to_the_search(self, staff: Staff) -> None:
        staff.signed_in()
        response = staff.get("/mash/sign-in")
        assert (response.status_code, response.headers["location"]) == (303, "/mash/")


class TestOutsideDevelopment:
    @pytest.fixture
    def https_client(
        self, database_url: str, principals: tuple[Path, dict[str, str]], clock: Clock
    ) -> TestClient:
        settings = Settings(
            database_url=database_url,
            principals_file=principals[0],
            env="production",
            encryption_key=new_encryption_key(),
            signing_key=new_signing_key(),
        )
        app = create_app(settings, clock=clock.now)
        mount_mash(app, settings)
        return TestClient(app, base_url="https://testserver", raise_server_exceptions=True)

    def test_cookies_are_secure_and_host_only(
        self, https_client: TestClient, principals: tuple[Path, dict[str, str]]
    ) -> None:
        with https_client as client:
            staff = Staff(client, principals[1])
            form = staff.get("/mash/sign-in")
            assert "Secure" in _cookie_header(form, "__Host-mash-sign-in")
            signed_in = staff.post(
                "/mash/sign-in",
                {"token": principals[1]["mash"], "csrf_token": csrf_token(form.text)},
            )
            assert signed_in.status_code == 303
            cookie = _cookie_header(signed_in, "__Host-mash-session")
            assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
            assert "Domain" not in cookie
            assert client.get("/mash/", follow_redirects=False).status_code == 200


class TestSignInFormProtection:
    def test_without_its_token_the_form_is_refused_with_a_403_page(self, staff: Staff) -> None:
        staff.get("/mash/sign-in")
        response = staff.post("/mash/sign-in", {"token": staff.tokens["mash"]})
        assert response.status_code == 403
        assert "text/html" in response.headers["content-type"]
        assert "Sorry, this form could not be sent" in text(response.text)
        assert staff.session_cookie is None

    def test_a_wrong_token_is_refused(self, staff: Staff) -> None:
        form = staff.get("/mash/sign-in")
        forged = csrf_token(form.text)[:-4] + "AAAA"
        response = staff.post(
            "/mash/sign-in", {"token": staff.tokens["mash"], "csrf_token": forged}
        )
        assert response.status_code == 403

    def test_a_token_from_another_browser_is_refused(
        self, staff: Staff, client: TestClient
    ) -> None:
        """Login CSRF: an attacker's own valid form token does not fit the victim's cookie."""
        attackers = csrf_token(staff.get("/mash/sign-in").text)
        client.cookies.clear()
        staff.get("/mash/sign-in")  # the victim's own nonce cookie
        response = staff.post(
            "/mash/sign-in", {"token": staff.tokens["mash"], "csrf_token": attackers}
        )
        assert response.status_code == 403

    def test_without_the_cookie_the_form_is_refused(self, staff: Staff, client: TestClient) -> None:
        token = csrf_token(staff.get("/mash/sign-in").text)
        client.cookies.clear()
        response = staff.post("/mash/sign-in", {"token": staff.tokens["mash"], "csrf_token": token})
        assert response.status_code == 403

    def test_a_form_left_open_for_over_an_hour_is_refused(self, staff: Staff, clock: Clock) -> None:
        token = csrf_token(staff.get("/mash/sign-in").text)
        clock.advance(minutes=61)
        response = staff.post("/mash/sign-in", {"token": staff.tokens["mash"], "csrf_token": token})
        assert response.status_code == 403
