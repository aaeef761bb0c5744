"""Retries and concurrency (DESIGN.md): Idempotency-Key, If-Match, and writers racing.

The races run against a real server (uvicorn on 127.0.0.1) with one application
object, as in production: many threads, each with its own HTTP client, released
together by a barrier. The steps before each race go through a second application
object on the same store (the ``api`` fixture), like a second replica would.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import timedelta
from functools import partial
from itertools import product
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.asgi import create_app
from service.settings import Settings

from .support import (
    Api,
    Clock,
    assert_problem,
    at_once,
    event_types,
    http_client,
    live_server,
    random_nhs_number,
)

RACERS = 8
Post = tuple[str, str, dict[str, Any] | None, dict[str, str]]  # token, path, body, headers
# A race is not certain to interleave badly in one round; several rounds make it likely.
RETRY_ROUNDS = 8


def _opening(**overrides: Any) -> dict[str, Any]:
    return {
        "local_reference": "REF-1",
        "nhs_number": random_nhs_number(),
        "date_of_birth": "2019-05-04",
        **overrides,
    }


def _keyed(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


def _same_answer(first: httpx.Response, retry: httpx.Response) -> None:
    assert retry.status_code == first.status_code, retry.text
    assert retry.json() == first.json()
    for header in ("Location", "ETag"):
        assert retry.headers.get(header) == first.headers.get(header), header
    assert "Idempotent-Replayed" not in first.headers
    assert retry.headers["Idempotent-Replayed"] == "true"


class TestIdempotencyKey:
    def test_a_retried_opening_returns_the_first_answer_and_opens_nothing(self, api: Api) -> None:
        body = _opening()
        first = api.somerset.post("/v1/cases", json=body, headers=_keyed("open-1"))
        assert first.status_code == 201, first.text

        retry = api.somerset.post("/v1/cases", json=body, headers=_keyed("open-1"))

        _same_answer(first, retry)  # not "child-has-open-case"
        case_id = first.json()["case_id"]
        assert event_types(api.auditor, case_id) == ["CaseOpened"]
        found = api.mash.get(
            "/v1/cases/by-nhs-number", params={"nhs_number": body["nhs_number"]}
        ).json()
        assert [c["case_id"] for c in found["items"]] == [case_id]

    def test_a_retried_proposal_returns_the_same_transfer_and_records_nothing(
        self, api: Api
    ) -> None:
        case_id = api.open_case()["case_id"]
        body = {"to_authority": "801", "reason": "Family moved"}
        url = f"/v1/cases/{case_id}/transfers"
        first = api.somerset.post(url, json=body, headers=_keyed("propose-1"))
        assert first.status_code == 201, first.text

        retry = api.somerset.post(url, json=body, headers=_keyed("propose-1"))

        _same_answer(first, retry)  # not "transfer-in-progress"
        assert retry.headers["Location"].endswith(first.json()["active_transfer"]["transfer_id"])
        assert event_types(api.auditor, case_id) == ["CaseOpened", "TransferProposed"]

    def test_a_retried_acceptance_returns_the_first_answer_and_records_nothing(
        self, api: Api
    ) -> None:
        case_id = api.open_case()["case_id"]
        transfer_id = api.propose(case_id)
        api.ready_to_accept(case_id, transfer_id)
        url = f"/v1/cases/{case_id}/transfers/{transfer_id}/acceptance"
        first = api.bristol.post(url, headers=_keyed("accept-1"))
        assert first.status_code == 200, first.text
        events = event_types(api.auditor, case_id)

        retry = api.bristol.post(url, headers=_keyed("accept-1"))

        _same_answer(first, retry)  # not "transfer-already-accepted"
        assert event_types(api.auditor, case_id) == events
        assert events.count("ResponsibilityAccepted") == 1

    def test_a_retry_after_later_changes_still_returns_the_first_answer(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        body = {"to_authority": "801", "reason": "Family moved"}
        url = f"/v1/cases/{case_id}/transfers"
        first = api.somerset.post(url, json=body, headers=_keyed("propose-2"))
        assert api.assess(case_id).status_code == 200

        retry = api.somerset.post(url, json=body, headers=_keyed("propose-2"))

        _same_answer(first, retry)
        assert retry.json()["version"] < api.somerset.get(f"/v1/cases/{case_id}").json()["version"]

    def test_the_same_key_with_a_different_body_is_refused(self, api: Api) -> None:
        body = _opening()
        first = api.somerset.post("/v1/cases", json=body, headers=_keyed("open-2"))
        assert first.status_code == 201, first.text

        changed = {**body, "local_reference": "REF-2"}
        reused = api.somerset.post("/v1/cases", json=changed, headers=_keyed("open-2"))

        assert_problem(reused, 422, "idempotency-key-reused")
        assert event_types(api.auditor, first.json()["case_id"]) == ["CaseOpened"]

    def test_the_same_key_on_another_route_is_refused(self, api: Api) -> None:
        case = api.somerset.post("/v1/cases", json=_opening(), headers=_keyed("open-3"))
        case_id = case.json()["case_id"]

        reused = api.somerset.post(
            f"/v1/cases/{case_id}/transfers",
            json={"to_authority": "801", "reason": "Family moved"},
            headers=_keyed("open-3"),
        )

        assert_problem(reused, 422, "idempotency-key-reused")
        assert event_types(api.auditor, case_id) == ["CaseOpened"]

    def test_keys_belong_to_one_principal(self, api: Api) -> None:
        somerset = api.somerset.post("/v1/cases", json=_opening(), headers=_keyed("shared-key"))
        assert somerset.status_code == 201, somerset.text

        bristol = api.bristol.post("/v1/cases", json=_opening(), headers=_keyed("shared-key"))

        assert bristol.status_code == 201, bristol.text
        assert "Idempotent-Replayed" not in bristol.headers
        assert bristol.json()["case_id"] != somerset.json()["case_id"]
        assert bristol.json()["responsible_authority"]["code"] == "801"

    def test_a_key_of_255_characters_is_accepted(self, api: Api) -> None:
        response = api.somerset.post("/v1/cases", json=_opening(), headers=_keyed("k" * 255))
        assert response.status_code == 201, response.text

    @pytest.mark.parametrize("key", ["k" * 256, "k" * 1000], ids=["256", "1000"])
    def test_an_over_long_key_is_refused_and_nothing_is_opened(self, api: Api, key: str) -> None:
        body = _opening()

        response = api.somerset.post("/v1/cases", json=body, headers=_keyed(key))

        assert_problem(response, 422, "invalid-idempotency-key")
        found = api.mash.get("/v1/cases/by-nhs-number", params={"nhs_number": body["nhs_number"]})
        assert found.json()["items"] == []

    def test_a_refused_request_can_be_retried_with_its_key_once_the_rule_is_met(
        self, api: Api
    ) -> None:
        case_id = api.open_case()["case_id"]
        transfer_id = api.propose(case_id)
        url = f"/v1/cases/{case_id}/transfers/{transfer_id}/acceptance"

        refused = api.bristol.post(url, headers=_keyed("accept-2"))
        assert_problem(refused, 409, "assessment-required")
        api.ready_to_accept(case_id, transfer_id)
        accepted = api.bristol.post(url, headers=_keyed("accept-2"))

        assert accepted.status_code == 200, accepted.text
        assert "Idempotent-Replayed" not in accepted.headers
        assert accepted.json()["active_transfer"]["stage"] == "accepted"
        replayed = api.bristol.post(url, headers=_keyed("accept-2"))
        _same_answer(accepted, replayed)
        assert event_types(api.auditor, case_id).count("ResponsibilityAccepted") == 1


class TestIfMatch:
    def _assess(self, api: Api, case_id: str, if_match: str) -> httpx.Response:
        return api.somerset.post(
            f"/v1/cases/{case_id}/assessments",
            json={
                "completed_on": api.clock.today().isoformat(),
                "factors": ["3A"],
                "primary_need_code": "N1",
                "summary": "Neglect concerns.",
            },
            headers={"If-Match": if_match},
        )

    def test_the_current_version_succeeds_and_answers_the_new_etag(self, api: Api) -> None:
        case = api.open_case()
        version = case["version"]

        response = self._assess(api, case["case_id"], f'"{version}"')

        assert response.status_code == 200, response.text
        assert response.json()["version"] > version
        assert response.headers["ETag"] == f'"{response.json()["version"]}"'

    def test_a_stale_version_is_refused_and_records_nothing(self, api: Api) -> None:
        case = api.open_case()
        case_id = case["case_id"]
        stale = f'"{case["version"]}"'
        assert self._assess(api, case_id, stale).status_code == 200
        events = event_types(api.auditor, case_id)

        response = self._assess(api, case_id, stale)

        assert_problem(response, 412, "version-mismatch")
        assert event_types(api.auditor, case_id) == events

    @pytest.mark.parametrize(
        "if_match", ["three", '"3a"', '"-1"', '""', '"1' + "0" * 19 + '"', '"3', 'W/3"']
    )
    def test_a_malformed_version_is_refused(self, api: Api, if_match: str) -> None:
        case_id = api.open_case()["case_id"]

        response = self._assess(api, case_id, if_match)

        assert_problem(response, 422, "invalid-if-match")
        assert event_types(api.auditor, case_id) == ["CaseOpened"]

    @pytest.mark.parametrize("form", ['W/"{v}"', '"{v}"', "{v}"])
    def test_weak_and_strong_forms_are_accepted(self, api: Api, form: str) -> None:
        case = api.open_case()

        response = self._assess(api, case["case_id"], form.format(v=case["version"]))

        assert response.status_code == 200, response.text

    def test_the_etag_of_a_get_is_a_valid_if_match(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        etag = api.somerset.get(f"/v1/cases/{case_id}").headers["ETag"]

        assert self._assess(api, case_id, etag).status_code == 200
        assert_problem(self._assess(api, case_id, etag), 412, "version-mismatch")


# ---- races ---------------------------------------------------------------------------


@pytest.fixture
def server(settings: Settings, clock: Clock) -> Iterator[str]:
    """A real HTTP server of a second application object on the same store."""
    with live_server(create_app(settings, clock=clock.now)) as base_url:
        yield base_url


@pytest.fixture
def tokens(principals: tuple[Path, dict[str, str]]) -> dict[str, str]:
    return principals[1]


def _post_each(base_url: str, requests: Sequence[Post]) -> list[httpx.Response]:
    """POST every (token, path, body, headers) at once, each from its own client."""

    def post(request: Post) -> httpx.Response:
        token, path, body, headers = request
        with http_client(base_url, token) as client:
            return client.post(path, json=body, headers=headers)

    return at_once([partial(post, request) for request in requests])


def _codes(responses: list[httpx.Response]) -> Counter[tuple[int, str]]:
    return Counter(
        (r.status_code, r.json().get("code", "") if r.status_code >= 400 else "") for r in responses
    )


class TestRaces:
    def test_of_concurrent_acceptances_exactly_one_wins(
        self, api: Api, server: str, tokens: dict[str, str]
    ) -> None:
        case_id = api.open_case()["case_id"]
        transfer_id = api.propose(case_id)
        api.ready_to_accept(case_id, transfer_id)
        url = f"/v1/cases/{case_id}/transfers/{transfer_id}/acceptance"

        responses = _post_each(server, [(tokens["bristol"], url, None, {})] * RACERS)

        assert _codes(responses) == {
            (200, ""): 1,
            (409, "transfer-already-accepted"): RACERS - 1,
        }, [r.text for r in responses]
        for refused in (r for r in responses if r.status_code == 409):
            assert_problem(refused, 409, "transfer-already-accepted")
        assert event_types(api.auditor, case_id).count("ResponsibilityAccepted") == 1

    def test_concurrent_retries_of_an_acceptance_under_one_key_all_get_the_first_answer(
        self, api: Api, server: str, tokens: dict[str, str]
    ) -> None:
        """A client that times out and retries while its first request is still running."""
        for attempt in range(RETRY_ROUNDS):
            case_id = api.open_case()["case_id"]
            transfer_id = api.propose(case_id)
            api.ready_to_accept(case_id, transfer_id)
            url = f"/v1/cases/{case_id}/transfers/{transfer_id}/acceptance"
            same: Post = (tokens["bristol"], url, None, _keyed(f"accept-{attempt}"))

            responses = _post_each(server, [same] * RACERS)

            assert _codes(responses) == {(200, ""): RACERS}, [r.text for r in responses]
            assert len({r.text for r in responses}) == 1
            assert sum("Idempotent-Replayed" not in r.headers for r in responses) == 1
            assert event_types(api.auditor, case_id).count("ResponsibilityAccepted") == 1

    def test_concurrent_retries_of_an_opening_under_one_key_all_get_the_first_answer(
        self, api: Api, server: str, tokens: dict[str, str]
    ) -> None:
        for attempt in range(RETRY_ROUNDS):
            body = _opening()
            same: Post = (tokens["somerset"], "/v1/cases", body, _keyed(f"open-{attempt}"))

            responses = _post_each(server, [same] * RACERS * 2)

            assert _codes(responses) == {(201, ""): RACERS * 2}, [r.text for r in responses]
            assert len({r.text for r in responses}) == 1
            found = api.mash.get(
                "/v1/cases/by-nhs-number", params={"nhs_number": body["nhs_number"]}
            )
            assert len(found.json()["items"]) == 1

    def test_of_concurrent_openings_for_one_child_exactly_one_wins(
        self, api: Api, server: str, tokens: dict[str, str]
    ) -> None:
        nhs_number = random_nhs_number()
        body = _opening(nhs_number=nhs_number)
        openers = [tokens["somerset"], tokens["leeds"]] * (RACERS // 2)

        responses = _post_each(server, [(token, "/v1/cases", body, {}) for token in openers])

        assert _codes(responses) == {
            (201, ""): 1,
            (409, "child-has-open-case"): RACERS - 1,
        }, [r.text for r in responses]
        winner = next(r for r in responses if r.status_code == 201).json()
        found = api.mash.get("/v1/cases/by-nhs-number", params={"nhs_number": nhs_number}).json()[
            "items"
        ]
        assert [c["case_id"] for c in found] == [winner["case_id"]]
        assert event_types(api.auditor, winner["case_id"]) == ["CaseOpened"]

    def test_acceptance_racing_withdrawal_leaves_one_consistent_outcome(
        self, api: Api, server: str, tokens: dict[str, str]
    ) -> None:
        """With today agreed, acceptance is final at once (it completes once the settle
        margin has passed): withdrawal is too late.

        (With a later date both could succeed, one after the other: withdrawal is allowed
        until the effective instant, rule 8.)
        """
        case_id = api.open_case()["case_id"]
        transfer_id = api.propose(case_id)
        api.ready_to_accept(case_id, transfer_id, on=api.clock.today())
        base = f"/v1/cases/{case_id}/transfers/{transfer_id}"
        withdrawal: Post = (tokens["somerset"], f"{base}/withdrawal", {"reason": "Moved"}, {})
        acceptance: Post = (tokens["bristol"], f"{base}/acceptance", None, {})

        accepted, withdrawn = _post_each(server, [acceptance, withdrawal])

        assert sorted([accepted.status_code, withdrawn.status_code]) == [200, 409], (
            accepted.text,
            withdrawn.text,
        )
        events = event_types(api.auditor, case_id)
        case = api.somerset.get(f"/v1/cases/{case_id}").json()
        timeline = api.somerset.get(f"/v1/cases/{case_id}/timeline").json()["intervals"]
        if accepted.status_code == 200:
            assert_problem(withdrawn, 409, "transfer-complete")
            assert "TransferWithdrawn" not in events
            assert events.count("ResponsibilityAccepted") == 1
            assert case["transfers"][0]["stage"] in ("accepted", "completed")  # settling
            assert [i["authority"]["code"] for i in timeline] == ["933", "801"]
        else:
            assert_problem(accepted, 409, "no-transfer-in-progress")
            assert "ResponsibilityAccepted" not in events
            assert events.count("TransferWithdrawn") == 1
            assert case["responsible_authority"]["code"] == "933"
            assert case["active_transfer"] is None
            assert [i["authority"]["code"] for i in timeline] == ["933"]

    def test_acceptance_racing_withdrawal_before_the_date_never_leaves_a_scheduled_hand_over(
        self, api: Api, server: str, tokens: dict[str, str]
    ) -> None:
        """With tomorrow agreed, withdrawal always succeeds; acceptance may have come first."""
        case_id = api.open_case()["case_id"]
        transfer_id = api.propose(case_id)
        api.ready_to_accept(case_id, transfer_id, on=api.clock.today() + timedelta(days=1))
        base = f"/v1/cases/{case_id}/transfers/{transfer_id}"
        withdrawal: Post = (tokens["somerset"], f"{base}/withdrawal", {"reason": "Moved"}, {})
        acceptance: Post = (tokens["bristol"], f"{base}/acceptance", None, {})

        accepted, withdrawn = _post_each(server, [acceptance, withdrawal])

        assert withdrawn.status_code == 200, withdrawn.text
        events = event_types(api.auditor, case_id)
        if accepted.status_code == 200:
            assert events[-2:] == ["ResponsibilityAccepted", "TransferWithdrawn"]
        else:
            assert_problem(accepted, 409, "no-transfer-in-progress")
            assert "ResponsibilityAccepted" not in events
        case = api.somerset.get(f"/v1/cases/{case_id}").json()
        assert case["active_transfer"] is None
        assert case["responsible_authority"]["code"] == "933"
        timeline = api.somerset.get(f"/v1/cases/{case_id}/timeline").json()["intervals"]
        assert [(i["authority"]["code"], i["until"]) for i in timeline] == [("933", None)]
        api.clock.advance(days=2)
        later = api.somerset.get(f"/v1/cases/{case_id}/responsibility").json()
        assert later["authority"]["code"] == "933"

    def test_racing_date_proposals_and_agreements_never_answer_a_bare_conflict(
        self, api: Api, server: str, tokens: dict[str, str]
    ) -> None:
        """Lost races are retried inside the service; a change that still loses is a 503
        with Retry-After, never a 409 ``write-conflict`` that says nothing of when."""
        case_id = api.open_case()["case_id"]
        transfer_id = api.propose(case_id)
        assert api.assess(case_id).status_code == 200
        assert api.share(case_id, transfer_id).status_code == 200
        base = f"/v1/cases/{case_id}/transfers/{transfer_id}"
        days = [(api.clock.today() + timedelta(days=d)).isoformat() for d in (1, 2)]
        steps = (("somerset", "date-proposals"), ("bristol", "date-agreement"))
        one_round: list[Post] = []
        for (who, step), day in product(steps, days):
            one_round.append((tokens[who], f"{base}/{step}", {"date": day}, {}))
        requests = one_round * (RACERS // 2)

        responses = _post_each(server, requests)

        for response in responses:
            if response.status_code == 503:
                assert_problem(response, 503, "write-conflict")
                assert int(response.headers["Retry-After"]) > 0
            else:
                assert response.status_code in (200, 409), response.text
                assert response.json().get("code") != "write-conflict", response.text
        assert any(r.status_code == 200 for r in responses)
