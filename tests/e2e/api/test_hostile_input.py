"""Hostile input: deeply nested JSON, and tokens sent anywhere but the Authorization header."""

from __future__ import annotations

import pytest

from .support import Api, assert_problem


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
