"""Sessions end: on their own after 8 hours or 30 idle minutes, and for good on sign-out."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.adapters.principals import PrincipalDirectory
from service.adapters.tables import web_sessions
from tests.e2e.api.support import Clock

from .support import Staff, text


def _signed_out_redirect(staff: Staff, path: str = "/mash/") -> bool:
    response = staff.get(path)
    return response.status_code == 303 and response.headers["location"].startswith("/mash/sign-in")


class TestExpiry:
    def test_a_session_in_use_ends_eight_hours_after_sign_in(
        self, staff: Staff, clock: Clock
    ) -> None:
        staff.signed_in()
        for _ in range(19):  # a request every 25 minutes: never idle
            clock.advance(minutes=25)
            assert staff.get("/mash/").status_code == 200
        clock.advance(minutes=5 + 1)  # 8 hours and 1 minute after signing in
        assert _signed_out_redirect(staff)

    def test_a_session_idle_for_30_minutes_ends(self, staff: Staff, clock: Clock) -> None:
        staff.signed_in()
        clock.advance(minutes=29)
        assert staff.get("/mash/").status_code == 200
        clock.advance(minutes=29)
        assert staff.get("/mash/").status_code == 200
        clock.advance(minutes=31)
        assert _signed_out_redirect(staff)

    def test_an_ended_session_sends_staff_to_sign_in_saying_so(
        self, staff: Staff, clock: Clock
    ) -> None:
        staff.signed_in()
        clock.advance(hours=9)
        response = staff.get("/mash/")
        assert response.headers["location"] == "/mash/sign-in?signed-out=1"
        page = staff.get(response.headers["location"])
        assert "You have been signed out" in text(page.text)


class TestSignOut:
    def test_ends_the_session_on_the_server(self, staff: Staff, client: TestClient) -> None:
        staff.signed_in()
        copied = staff.session_cookie
        assert copied is not None
        response = staff.sign_out()
        assert (response.status_code, response.headers["location"]) == (303, "/mash/signed-out")
        assert staff.session_cookie is None
        assert "You have signed out" in text(staff.get("/mash/signed-out").text)
        client.cookies.set("mash-session", copied)  # a copy taken before signing out
        assert _signed_out_redirect(staff)

    def test_records_when_it_ended(self, staff: Staff, app: FastAPI) -> None:
        staff.signed_in()
        staff.sign_out()
        with app.state.service.engine.connect() as connection:
            row = connection.execute(select(web_sessions)).one()
        assert row.ended_at is not None

    def test_without_the_form_token_is_refused_and_the_session_lives(self, staff: Staff) -> None:
        staff.signed_in()
        response = staff.post("/mash/sign-out", {})
        assert response.status_code == 403
        assert "Sorry, this form could not be sent" in text(response.text)
        assert staff.get("/mash/").status_code == 200

    def test_another_sessions_form_token_is_refused(self, staff: Staff, client: TestClient) -> None:
        staff.signed_in()
        other_token = staff.page_token()
        client.cookies.clear()
        staff.signed_in("auditor")
        response = staff.post("/mash/sign-out", {"csrf_token": other_token})
        assert response.status_code == 403
        assert staff.get("/mash/").status_code == 200


class TestPagesNeedASession:
    def test_every_page_sends_a_stranger_to_sign_in(self, staff: Staff) -> None:
        for path in (
            "/mash/",
            "/mash/cases/8b2f8e4c-9d0a-4f43-9c55-0d0c6f1b8a11",
            "/mash/no-open-case",
        ):
            response = staff.get(path)
            assert (response.status_code, response.headers["location"]) == (303, "/mash/sign-in")

    def test_a_principal_no_longer_in_the_principals_file_loses_its_session(
        self, staff: Staff, app: FastAPI
    ) -> None:
        staff.signed_in()
        app.state.service.principals = PrincipalDirectory([])  # as after a restart without it
        assert _signed_out_redirect(staff)

    def test_a_made_up_cookie_opens_nothing(self, staff: Staff, client: TestClient) -> None:
        client.cookies.set("mash-session", "x" * 43)
        assert _signed_out_redirect(staff)

    def test_forms_sent_without_a_session_do_nothing(self, staff: Staff) -> None:
        response = staff.post("/mash/search", {"nhs_number": "9434765919", "csrf_token": "x"})
        assert response.status_code == 303
        assert response.headers["location"].startswith("/mash/sign-in")

    def test_a_bearer_token_does_not_open_the_pages(self, client: TestClient, staff: Staff) -> None:
        response = client.get(
            "/mash/",
            headers={"Authorization": f"Bearer {staff.tokens['mash']}"},
            follow_redirects=False,
        )
        assert response.status_code == 303

    def test_the_session_cookie_does_not_open_the_api(
        self, client: TestClient, staff: Staff
    ) -> None:
        staff.signed_in()
        response = client.get("/v1/authorities")
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
