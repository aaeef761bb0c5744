"""Every page under /mash answers HTML with a strict Content-Security-Policy; the GOV.UK
assets come from the app itself; the API beside it is unchanged."""

from __future__ import annotations

import re
from uuid import uuid4

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.adapters.event_store import StoreUnavailableError
from service.settings import Settings
from service.web import mount_mash
from service.web.assets import GOVUK_FRONTEND
from service.web.pages import CONTENT_SECURITY_POLICY
from tests.e2e.api.support import Api, assert_problem

from .support import Staff, text

needs_npm_ci = pytest.mark.skipif(
    not (GOVUK_FRONTEND / "govuk-frontend.min.css").is_file(),
    reason="govuk-frontend is not installed: run `npm ci` (make test does)",
)


class TestHeaders:
    def test_every_kind_of_page_has_the_strict_csp_and_is_not_cached(
        self, staff: Staff, api: Api
    ) -> None:
        case_id = api.open_case()["case_id"]
        responses = [staff.get("/mash/sign-in"), staff.get("/mash/nope")]
        staff.signed_in()
        responses += [staff.get("/mash/"), staff.get(f"/mash/cases/{case_id}"), staff.sign_out()]
        for response in responses:
            headers = response.headers
            assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
            assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
            assert headers["cache-control"] == "no-store"
            assert headers["x-frame-options"] == "DENY"
            assert headers["referrer-policy"] == "no-referrer"
            assert headers["x-content-type-options"] == "nosniff"
            assert "x-request-id" in headers  # the API's middleware wraps the pages too

    def test_pages_have_no_inline_script_or_style(self, staff: Staff, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        staff.signed_in()
        for path in ("/mash/", f"/mash/cases/{case_id}"):
            html = staff.get(path).text
            assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
            assert "<style" not in html and " style=" not in html
            assert "https://" not in html.replace("http://www.w3.org", "")


class TestHtmlErrors:
    def test_an_unknown_page_is_a_404_page(self, staff: Staff) -> None:
        response = staff.get("/mash/no/such/page")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert "Page not found" in text(response.text)

    def test_a_wrong_method_is_the_404_page_too(self, client: TestClient) -> None:
        response = client.delete("/mash/sign-in")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")

    def test_an_unreadable_form_is_a_400_page(self, staff: Staff) -> None:
        staff.signed_in()
        response = staff.post("/mash/search", {"nhs_number": "9" * 500, "csrf_token": "x"})
        assert response.status_code == 400
        assert response.headers["content-type"].startswith("text/html")

    def test_an_unreachable_store_is_a_503_page_saying_what_to_do(
        self, staff: Staff, app: FastAPI, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        staff.signed_in()

        def unavailable(*args: object, **kwargs: object) -> None:
            raise StoreUnavailableError("connection refused")

        monkeypatch.setattr(app.state.service.application, "case", unavailable)
        response = staff.get(f"/mash/cases/{uuid4()}")
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        assert response.headers["content-type"].startswith("text/html")
        assert "follow your MASH procedure" in text(response.text)

    def test_the_api_still_answers_problem_json(self, api: Api) -> None:
        assert_problem(api.mash.get("/v1/no-such-route"), 404, "not-found")
        assert_problem(api.anonymous.get("/v1/authorities"), 401, "unauthenticated")


class TestTheApiBeside:
    def test_bearer_tokens_work_as_before(self, api: Api) -> None:
        case = api.open_case()
        response = api.mash.get(f"/v1/cases/{case['case_id']}")
        assert response.status_code == 200
        assert response.json()["responsible_authority"]["code"] == "933"

    def test_the_pages_are_not_in_the_openapi_document(self, client: TestClient) -> None:
        paths = client.get("/openapi.json").json()["paths"]
        assert not [path for path in paths if path.startswith("/mash")]

    def test_mounting_twice_changes_nothing(self, app: FastAPI, settings: Settings) -> None:
        before = len(app.routes)
        mount_mash(app, settings)
        assert len(app.routes) == before


@needs_npm_ci
class TestAssets:
    def test_the_stylesheet_points_at_assets_served_here(self, client: TestClient) -> None:
        css = client.get("/mash/assets/govuk-frontend.min.css")
        assert css.status_code == 200
        assert css.headers["content-type"].startswith("text/css")
        urls = set(re.findall(r"url\(([^)]+)\)", css.text))
        assert urls and all(url.startswith("/mash/assets/") for url in urls)
        for url in urls:
            asset = client.get(url)
            assert asset.status_code == 200, url

    def test_the_script_and_our_own_files_are_served(self, client: TestClient) -> None:
        for path, kind in (
            ("/mash/assets/govuk-frontend.min.js", "text/javascript"),
            ("/mash/static/init.js", "text/javascript"),
            ("/mash/static/js-enabled.js", "text/javascript"),
            ("/mash/static/mash.css", "text/css"),
            ("/mash/static/favicon.svg", "image/svg+xml"),
        ):
            response = client.get(path)
            assert response.status_code == 200, path
            assert response.headers["content-type"].startswith(kind), path
            assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY

    def test_a_missing_asset_is_a_404(self, client: TestClient) -> None:
        assert client.get("/mash/assets/fonts/none.woff2").status_code == 404
