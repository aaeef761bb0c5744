"""Hostile input: deeply nested JSON, tokens sent anywhere but the Authorization header,
hidden Unicode in identifiers and text, implausible dates, and JSON naming a member twice."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from service.asgi import create_app
from service.settings import Settings

from .support import Api, Clock, assert_problem

DAY = timedelta(days=1)


class TestDeeplyNestedJson:
    @pytest.mark.parametrize("depth", [100, 100_000])
    def test_is_refused_as_invalid_without_a_server_error(self, api: Api, depth: int) -> None:
        body = '{"local_reference": ' + "[" * depth + "]" * depth + "}"

        response = api.somerset.post(
            "/v1/cases", content=body, headers={"Content-Type": "application/json"}
        )

        assert_problem(response, 422, "invalid-request")


class TestTokensInUnusualPlaces:
    def _token(self, api: Api) -> str:
        return api.somerset.headers["Authorization"].removeprefix("Bearer ")

    def test_a_token_in_the_query_string_is_not_accepted(self, api: Api) -> None:
        response = api.anonymous.get("/v1/authorities", params={"access_token": self._token(api)})

        assert_problem(response, 401, "unauthenticated")

    def test_a_token_in_a_cookie_is_not_accepted(self, api: Api) -> None:
        api.client.cookies.set("token", self._token(api))
        try:
            response = api.anonymous.get("/v1/authorities")
        finally:
            api.client.cookies.clear()

        assert_problem(response, 401, "unauthenticated")

    @pytest.mark.parametrize("scheme", ["Basic", "Token", ""])
    def test_a_token_under_another_scheme_is_not_accepted(self, api: Api, scheme: str) -> None:
        value = f"{scheme} {self._token(api)}".strip()

        response = api.anonymous.get("/v1/authorities", headers={"Authorization": value})

        assert_problem(response, 401, "unauthenticated")

    def test_a_token_in_another_header_is_not_accepted(self, api: Api) -> None:
        response = api.anonymous.get("/v1/authorities", headers={"X-Api-Key": self._token(api)})

        assert_problem(response, 401, "unauthenticated")

    def test_the_token_is_not_echoed_in_the_refusal(self, api: Api) -> None:
        token = self._token(api)

        response = api.anonymous.get("/v1/authorities", headers={"Authorization": f"Basic {token}"})

        assert token not in response.text


# ---- Unicode in identifiers and free text -------------------------------------------------

CAFE_NFC = "Caf\u00e9-12"
CAFE_NFD = "Cafe\u0301-12"
FULLWIDTH = "\uff33\uff2f\uff2d\uff0d\uff11"  # "SOM-1", fullwidth

REFUSED_REFERENCES = {
    "only a zero-width space": ("\u200b", "format-characters"),
    "a zero-width space inside": ("SOM\u200b1", "format-characters"),
    "a right-to-left override": ("SOM\u202e1", "format-characters"),
    "a byte-order mark": ("\ufeffSOM1", "format-characters"),
    "a newline inside": ("SOM\n1", "control-characters"),
    "a tab inside": ("SOM\t1", "control-characters"),
    "a lone surrogate": ("SOM\ud8001", "invalid-request"),  # not text: the schema refuses it
}
REFUSED_IDS = list(REFUSED_REFERENCES)


def _json(body: dict[str, Any]) -> str:
    """JSON with every non-ASCII character escaped, so lone surrogates travel too."""
    return json.dumps(body, ensure_ascii=True)


def _case_ids(page: httpx.Response) -> list[str]:
    assert page.status_code == 200, page.text
    return [item["case_id"] for item in page.json()["items"]]


class TestUnicodeReferences:
    @pytest.mark.parametrize(("stored", "looked_up"), [(CAFE_NFD, CAFE_NFC), (CAFE_NFC, CAFE_NFD)])
    def test_composed_and_decomposed_forms_are_one_reference(
        self, api: Api, stored: str, looked_up: str
    ) -> None:
        case = api.open_case(local_reference=stored)

        found = api.somerset.get(
            "/v1/cases/by-local-reference", params={"local_reference": looked_up}
        )

        assert _case_ids(found) == [case["case_id"]]
        assert case["local_references"][0]["reference"] == CAFE_NFC

    def test_fullwidth_letters_are_stored_and_found_as_ascii(self, api: Api) -> None:
        case = api.open_case(local_reference=FULLWIDTH)

        found = api.somerset.get(
            "/v1/cases/by-local-reference", params={"local_reference": "SOM-1"}
        )

        assert case["local_references"][0]["reference"] == "SOM-1"
        assert _case_ids(found) == [case["case_id"]]

    @pytest.mark.parametrize(("value", "code"), REFUSED_REFERENCES.values(), ids=REFUSED_IDS)
    def test_an_opening_reference_with_hidden_characters_is_refused(
        self, api: Api, value: str, code: str
    ) -> None:
        body = {"local_reference": value, "nhs_number": None, "date_of_birth": "2019-05-04"}

        response = api.somerset.post(
            "/v1/cases", content=_json(body), headers={"Content-Type": "application/json"}
        )

        assert_problem(response, 422, code)

    @pytest.mark.parametrize(("value", "code"), REFUSED_REFERENCES.values(), ids=REFUSED_IDS)
    def test_a_recorded_reference_with_hidden_characters_is_refused(
        self, api: Api, value: str, code: str
    ) -> None:
        case_id = api.open_case()["case_id"]

        response = api.somerset.post(
            f"/v1/cases/{case_id}/local-references",
            content=_json({"reference": value}),
            headers={"Content-Type": "application/json"},
        )

        assert_problem(response, 422, code)

    def test_a_lookup_with_hidden_characters_is_refused(self, api: Api) -> None:
        response = api.somerset.get(
            "/v1/cases/by-local-reference", params={"local_reference": "SOM\u200b1"}
        )

        assert_problem(response, 422, "format-characters")

    def test_shared_document_references_are_identifiers_too(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        transfer_id = api.propose(case_id)

        response = api.somerset.post(
            f"/v1/cases/{case_id}/transfers/{transfer_id}/information-shared",
            json={
                "categories": ["assessment"],
                "references": ["DOC\u202e1"],
                "shared_on": api.clock.today().isoformat(),
            },
        )

        assert_problem(response, 422, "format-characters")


class TestUnicodeFreeText:
    def _assess(self, api: Api, summary: str) -> httpx.Response:
        case_id = api.open_case()["case_id"]
        body = {
            "completed_on": api.clock.today().isoformat(),
            "factors": ["3A"],
            "primary_need_code": "N1",
            "summary": summary,
        }
        return api.somerset.post(
            f"/v1/cases/{case_id}/assessments",
            content=_json(body),
            headers={"Content-Type": "application/json"},
        )

    def test_line_breaks_are_kept(self, api: Api) -> None:
        response = self._assess(api, "First visit.\nSecond visit.")

        assert response.status_code == 200, response.text
        assert response.json()["assessments"][0]["summary"] == "First visit.\nSecond visit."

    @pytest.mark.parametrize("summary", ["Visit \u202egnp.exe", "A\u2066B\u2069", "\ufeffSummary"])
    def test_bidirectional_and_other_format_characters_are_refused(
        self, api: Api, summary: str
    ) -> None:
        assert_problem(self._assess(api, summary), 422, "format-characters")

    def test_a_lone_surrogate_is_refused_as_not_text(self, api: Api) -> None:
        assert_problem(self._assess(api, "A\ud800B"), 422, "invalid-request")


# ---- implausible dates ----------------------------------------------------------------------


class TestImplausibleDates:
    @pytest.mark.parametrize("born", ["0001-01-01", "1900-01-01"])
    def test_a_date_of_birth_beyond_the_ages_served_is_refused(self, api: Api, born: str) -> None:
        response = api.somerset.post(
            "/v1/cases", json={"local_reference": "R-1", "date_of_birth": born}
        )

        assert_problem(response, 422, "implausible-date-of-birth")

    def test_an_assessment_completed_on_0001_01_01_is_refused(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]

        response = api.somerset.post(
            f"/v1/cases/{case_id}/assessments",
            json={
                "completed_on": "0001-01-01",
                "factors": ["3A"],
                "primary_need_code": "N1",
                "summary": "Typed in a hurry.",
            },
        )

        assert_problem(response, 422, "assessment-before-child")

    @pytest.mark.parametrize("step", ["date-proposals", "date-agreement"])
    def test_a_transfer_date_of_9999_12_31_is_refused(self, api: Api, step: str) -> None:
        case_id = api.open_case()["case_id"]
        transfer_id = api.propose(case_id)

        response = api.somerset.post(
            f"/v1/cases/{case_id}/transfers/{transfer_id}/{step}", json={"date": "9999-12-31"}
        )

        assert_problem(response, 422, "transfer-date-beyond-horizon")

    def test_the_horizon_is_a_setting(
        self, settings: Settings, clock: Clock, principals: Any
    ) -> None:
        near = settings.model_copy(update={"transfer_date_horizon_days": 10})
        with TestClient(create_app(near, clock=clock.now)) as client:
            api = Api(client, principals[1], clock)
            case_id = api.open_case()["case_id"]
            transfer_id = api.propose(case_id)
            url = f"/v1/cases/{case_id}/transfers/{transfer_id}/date-proposals"

            within = api.somerset.post(url, json={"date": str(clock.today() + 10 * DAY)})
            beyond = api.somerset.post(url, json={"date": str(clock.today() + 11 * DAY)})

        assert within.status_code == 200, within.text
        assert_problem(beyond, 422, "transfer-date-beyond-horizon")


# ---- duplicate JSON members -----------------------------------------------------------------


class TestDuplicateJsonKeys:
    def test_a_body_naming_a_member_twice_is_refused_and_nothing_recorded(self, api: Api) -> None:
        body = '{"local_reference": "R-1", "date_of_birth": "2019-05-04", "local_reference": "R-2"}'

        response = api.somerset.post(
            "/v1/cases", content=body, headers={"Content-Type": "application/json"}
        )

        problem = assert_problem(response, 422, "duplicate-json-key")
        assert '"local_reference"' in problem["detail"]
        assert _case_ids(api.somerset.get("/v1/cases")) == []

    def test_a_date_given_twice_is_not_taken_from_either(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        transfer_id = api.propose(case_id)
        later = api.clock.today() + 7 * DAY
        body = f'{{"date": "{api.clock.today()}", "date": "{later}"}}'

        response = api.somerset.post(
            f"/v1/cases/{case_id}/transfers/{transfer_id}/date-proposals",
            content=body,
            headers={"Content-Type": "application/json; charset=utf-8"},
        )

        assert_problem(response, 422, "duplicate-json-key")
        assert api.somerset.get(f"/v1/cases/{case_id}").json()["version"] == 2

    @pytest.mark.parametrize("content_type", [None, "application/problem+json"])
    def test_any_body_read_as_json_is_checked(self, api: Api, content_type: str | None) -> None:
        headers = {"Content-Type": content_type} if content_type else {}

        response = api.somerset.post("/v1/cases", content=b'{"a": 1, "a": 2}', headers=headers)

        assert_problem(response, 422, "duplicate-json-key")

    def test_a_repeated_name_that_is_no_field_name_is_not_echoed(self, api: Api) -> None:
        body = '{"<script>9434765919": 1, "<script>9434765919": 2}'

        response = api.somerset.post(
            "/v1/cases", content=body, headers={"Content-Type": "application/json"}
        )

        assert_problem(response, 422, "duplicate-json-key")
        assert "9434765919" not in response.text

    def test_the_same_name_in_two_objects_is_not_a_repeat(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        transfer_id = api.propose(case_id)
        body = {
            "categories": ["assessment"],
            "references": [],
            "shared_on": api.clock.today().isoformat(),
        }

        response = api.somerset.post(
            f"/v1/cases/{case_id}/transfers/{transfer_id}/information-shared", json=body
        )

        assert response.status_code == 200, response.text
