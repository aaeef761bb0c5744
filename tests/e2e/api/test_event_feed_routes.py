"""GET /v1/events: the event feed for auditors, followed by position over HTTP."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.asgi import create_app
from service.settings import Settings

from .support import (
    Api,
    Caller,
    Clock,
    assert_problem,
    complete_transfer,
    http_client,
    live_server,
    random_nhs_number,
)


def follow(caller: Caller, limit: int, after: int | None = None) -> list[dict[str, Any]]:
    """Every event from ``after`` on, page by page, each from the last ``last_position``."""
    events: list[dict[str, Any]] = []
    while True:
        query = f"?limit={limit}" + (f"&after={after}" if after is not None else "")
        response = caller.get(f"/v1/events{query}")
        assert response.status_code == 200, response.text
        page = response.json()
        events.extend(page["events"])
        after = page["last_position"]
        if page["next"] is None:
            return events
        assert page["next"] == page["last_position"]


class TestTheFeed:
    def test_lists_every_case_event_with_position_case_type_version_time_actor_and_data(
        self, api: Api
    ) -> None:
        case_id = api.open_case()["case_id"]
        complete_transfer(api, case_id)

        events = api.auditor.get("/v1/events").json()["events"]
        history = api.auditor.get(f"/v1/cases/{case_id}/history").json()["events"]

        assert [e["case_id"] for e in events] == [case_id] * len(history)
        assert [
            {k: e[k] for k in ("type", "version", "recorded_at", "actor", "data")} for e in events
        ] == history
        positions = [e["position"] for e in events]
        assert positions == sorted(set(positions))
        assert events[-1]["actor"] == {
            "name": "Bristol case system",
            "role": "authority",
            "authority": "801",
        }

    def test_following_page_by_page_gives_the_whole_feed_once(self, api: Api) -> None:
        for _ in range(3):
            api.propose(api.open_case()["case_id"])

        whole = api.auditor.get("/v1/events?limit=1000").json()

        assert follow(api.auditor, limit=2) == whole["events"]
        assert whole["next"] is None

    def test_a_short_page_at_the_end_still_says_where_to_resume(self, api: Api) -> None:
        api.open_case()
        end = api.auditor.get("/v1/events").json()["last_position"]

        caught_up = api.auditor.get(f"/v1/events?after={end}").json()
        api.open_case()
        later = api.auditor.get(f"/v1/events?after={caught_up['last_position']}").json()

        assert caught_up == {"events": [], "last_position": end, "next": None}
        assert [e["type"] for e in later["events"]] == ["CaseOpened"]
        assert later["events"][0]["position"] > end


class TestRefusals:
    @pytest.mark.parametrize("who", ["somerset", "mash"])
    def test_is_for_auditors_only(self, api: Api, who: str) -> None:
        assert_problem(getattr(api, who).get("/v1/events"), 403, "feed-for-auditors")

    def test_needs_a_token(self, api: Api) -> None:
        assert_problem(api.anonymous.get("/v1/events"), 401, "unauthenticated")

    @pytest.mark.parametrize("limit", ["0", "1001", "-5"])
    def test_refuses_a_limit_outside_1_to_1000(self, api: Api, limit: str) -> None:
        assert_problem(api.auditor.get(f"/v1/events?limit={limit}"), 422, "invalid-limit")

    @pytest.mark.parametrize("after", ["-1", str(2**63)])
    def test_refuses_a_position_no_log_can_hold(self, api: Api, after: str) -> None:
        assert_problem(api.auditor.get(f"/v1/events?after={after}"), 422, "invalid-position")

    @pytest.mark.parametrize("query", ["after=first", "after=1.5", "limit=ten"])
    def test_refuses_what_is_not_a_whole_number(self, api: Api, query: str) -> None:
        assert_problem(api.auditor.get(f"/v1/events?{query}"), 422, "invalid-request")


def test_a_follower_over_http_sees_every_event_once_while_case_systems_write(
    settings: Settings, clock: Clock, principals: Any, client: TestClient
) -> None:
    """Three case systems write through a real server while an auditor follows the feed
    through it in pages of five; the follower ends with the whole log, once, in order."""
    tokens = principals[1]
    errors: list[BaseException] = []

    def write(token: str, to: str) -> None:
        try:
            with http_client(base, token) as writer:
                for _ in range(8):
                    body = {
                        "local_reference": "R",
                        "nhs_number": random_nhs_number(),
                        "date_of_birth": "2019-05-04",
                    }
                    opened = writer.post("/v1/cases", json=body)
                    assert opened.status_code == 201, opened.text
                    case_id = opened.json()["case_id"]
                    proposal = {"to_authority": to, "reason": "Moved"}
                    proposed = writer.post(f"/v1/cases/{case_id}/transfers", json=proposal)
                    assert proposed.status_code == 201, proposed.text
        except BaseException as error:  # surfaced below, after the follower stops
            errors.append(error)

    with live_server(create_app(settings, clock=clock.now)) as base:
        writers = [
            threading.Thread(target=write, args=(tokens[who], to))
            for who, to in (("somerset", "801"), ("bristol", "383"), ("leeds", "933"))
        ]
        for thread in writers:
            thread.start()
        seen: list[dict[str, Any]] = []
        after: int | None = None
        with http_client(base, tokens["auditor"]) as auditor:
            while any(thread.is_alive() for thread in writers):
                query = "?limit=5" + (f"&after={after}" if after is not None else "")
                page = auditor.get(f"/v1/events{query}").json()
                seen.extend(page["events"])
                after = page["last_position"]
            for thread in writers:
                thread.join()
    assert errors == []
    seen.extend(follow(Caller(client, tokens["auditor"]), limit=5, after=after))

    final = follow(Caller(client, tokens["auditor"]), limit=1000)
    assert [e["position"] for e in seen] == [e["position"] for e in final]
    assert len(final) == 3 * 8 * 2
