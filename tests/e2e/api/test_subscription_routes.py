"""The subscription routes: register, list, read, delete, ping, rotate, the delivery log
and retrying by hand, each refusal a problem with its code."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from service.adapters.keys import new_encryption_key
from service.audit.signing import new_signing_key
from service.settings import Settings
from tests.e2e.notifications.receivers import (
    Receiver,
    Reply,
    always,
    fast_settings,
    first,
    wait_until,
)
from tests.stores import PreparedStores

from .support import Api, Caller, assert_problem

SECRET = re.compile(r"^whsec_[A-Za-z0-9+/]{43}=$")


@pytest.fixture
def database_url(tmp_path: Path, prepared_stores: PreparedStores) -> Iterator[str]:
    """SQLite only: the routes do not depend on the store (the delivery tests run on both)."""
    with prepared_stores.store("sqlite", tmp_path) as url:
        yield url


@pytest.fixture
def settings(
    database_url: str, principals: tuple[Path, dict[str, str]], request: pytest.FixtureRequest
) -> Settings:
    """Fast back-off, a one-second retry window; more settings by ``indirect``."""
    return fast_settings(
        database_url=database_url,
        principals_file=principals[0],
        notify_retry_window_seconds=1.0,
        **getattr(request, "param", {}),
    )


PRODUCTION = {
    "env": "production",
    "encryption_key": new_encryption_key(),
    "signing_key": new_signing_key(),
    "notify_allowed_hosts": "localhost,10.9.0.0/16",
}


@pytest.fixture
def receiver() -> Any:
    made = Receiver()
    made.start()
    yield made
    made.stop()


def register(caller: Caller, url: str, **more: Any) -> dict[str, Any]:
    response = caller.post("/v1/subscriptions", json={"url": url, **more})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


class TestRegistering:
    def test_answers_the_secret_once_and_lists_it_without(
        self, api: Api, receiver: Receiver
    ) -> None:
        response = api.somerset.post("/v1/subscriptions", json={"url": receiver.url})
        assert response.status_code == 201
        created = response.json()
        assert SECRET.match(created["secret"])
        assert response.headers["Location"] == f"/v1/subscriptions/{created['subscription_id']}"
        assert created["status"] == "active"
        listed = api.somerset.get("/v1/subscriptions").json()["items"]
        assert [s["subscription_id"] for s in listed] == [created["subscription_id"]]
        assert "secret" not in listed[0]
        shown = api.somerset.get(f"/v1/subscriptions/{created['subscription_id']}").json()
        assert "secret" not in shown and shown["url"] == receiver.url

    def test_a_retry_with_the_same_key_registers_once(self, api: Api, receiver: Receiver) -> None:
        body = {"url": receiver.url}
        headers = {"Idempotency-Key": "sub-1"}
        first_answer = api.somerset.post("/v1/subscriptions", json=body, headers=headers)
        again = api.somerset.post("/v1/subscriptions", json=body, headers=headers)
        assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
        assert again.json() == first_answer.json()
        assert len(api.somerset.get("/v1/subscriptions").json()["items"]) == 1
        other = api.somerset.post(
            "/v1/subscriptions", json={**body, "event_types": ["CaseOpened"]}, headers=headers
        )
        assert_problem(other, 422, "idempotency-key-reused")
        url = f"/v1/subscriptions/{first_answer.json()['subscription_id']}"
        api.somerset.client.delete(url, headers=api.somerset.headers)
        anew = api.somerset.post("/v1/subscriptions", json=body, headers=headers)
        assert anew.status_code == 201 and "Idempotent-Replayed" not in anew.headers
        assert anew.json()["subscription_id"] != first_answer.json()["subscription_id"]

    def test_another_authority_cannot_see_it(self, api: Api, receiver: Receiver) -> None:
        created = register(api.somerset, receiver.url)
        url = f"/v1/subscriptions/{created['subscription_id']}"
        assert_problem(api.bristol.get(url), 404, "subscription-not-found")
        assert_problem(api.bristol.post(f"{url}/ping"), 404, "subscription-not-found")
        assert api.bristol.get("/v1/subscriptions").json()["items"] == []

    def test_a_partner_agency_has_its_own(self, api: Api, receiver: Receiver) -> None:
        created = register(api.police, receiver.url)
        url = f"/v1/subscriptions/{created['subscription_id']}"
        assert api.police.get(url).status_code == 200
        assert [
            s["subscription_id"] for s in api.police.get("/v1/subscriptions").json()["items"]
        ] == [created["subscription_id"]]
        for other in (api.hospital, api.somerset):
            assert_problem(other.get(url), 404, "subscription-not-found")
            assert other.get("/v1/subscriptions").json()["items"] == []

    @pytest.mark.parametrize("caller", ["mash", "auditor"])
    def test_is_for_case_systems(self, api: Api, receiver: Receiver, caller: str) -> None:
        response = getattr(api, caller).post("/v1/subscriptions", json={"url": receiver.url})
        assert_problem(response, 403, "subscriptions-not-for-role")

    @pytest.mark.parametrize(
        ("url", "code"),
        [
            ("http://10.20.30.40/hooks", "endpoint-not-https"),
            ("ftp://127.0.0.1/hooks", "endpoint-invalid-url"),
            ("https://user:pw@127.0.0.1/hooks", "endpoint-invalid-url"),
            ("https://no-such-host.invalid/hooks", "endpoint-unresolvable"),
        ],
    )
    def test_refuses_endpoints_it_may_not_call(self, api: Api, url: str, code: str) -> None:
        assert_problem(api.somerset.post("/v1/subscriptions", json={"url": url}), 422, code)

    @pytest.mark.parametrize("settings", [PRODUCTION], indirect=True)
    @pytest.mark.parametrize(
        ("url", "code"),
        [
            ("http://127.0.0.1/hooks", "endpoint-not-https"),
            ("https://127.0.0.1/hooks", "endpoint-private-address"),
            ("https://10.1.2.3/hooks", "endpoint-private-address"),
            ("https://169.254.169.254/latest", "endpoint-metadata-address"),
        ],
    )
    def test_production_refuses_private_addresses(
        self, api: Api, settings: Settings, url: str, code: str
    ) -> None:
        assert_problem(api.somerset.post("/v1/subscriptions", json={"url": url}), 422, code)

    @pytest.mark.parametrize("settings", [PRODUCTION], indirect=True)
    def test_production_takes_what_the_allow_list_names(self, api: Api, settings: Settings) -> None:
        register(api.somerset, "https://10.9.8.7/hooks")
        register(api.somerset, "https://localhost/hooks")

    def test_refuses_unknown_event_types(self, api: Api, receiver: Receiver) -> None:
        response = api.somerset.post(
            "/v1/subscriptions", json={"url": receiver.url, "event_types": ["CaseEaten"]}
        )
        assert_problem(response, 422, "invalid-request")

    def test_deleted_is_gone(self, api: Api, receiver: Receiver) -> None:
        created = register(api.somerset, receiver.url)
        url = f"/v1/subscriptions/{created['subscription_id']}"
        assert api.somerset.client.delete(url, headers=api.somerset.headers).status_code == 204
        assert_problem(api.somerset.get(url), 404, "subscription-not-found")
        api.open_case()
        assert receiver.requests == 0


class TestPingAndRotation:
    def test_a_ping_is_signed_and_answered(self, api: Api, receiver: Receiver) -> None:
        created = register(api.somerset, receiver.url)
        receiver.secrets.append(created["secret"])
        answer = api.somerset.post(f"/v1/subscriptions/{created['subscription_id']}/ping")
        assert answer.status_code == 200
        assert answer.json()["delivered"] is True and answer.json()["status_code"] == 204
        assert receiver.unverified == [] and receiver.accepted[0]["type"] == "ping"

    def test_during_a_rotation_both_secrets_verify(self, api: Api, receiver: Receiver) -> None:
        created = register(api.somerset, receiver.url)
        url = f"/v1/subscriptions/{created['subscription_id']}"
        rotated = api.somerset.post(f"{url}/secret-rotation", headers={"Idempotency-Key": "r1"})
        again = api.somerset.post(f"{url}/secret-rotation", headers={"Idempotency-Key": "r1"})
        assert rotated.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
        new = rotated.json()["secret"]
        assert again.json()["secret"] == new != created["secret"]
        assert rotated.json()["previous_secret_until"] is not None
        for secret in (created["secret"], new):  # a receiver knowing either one accepts
            receiver.secrets[:] = [secret]
            assert api.somerset.post(f"{url}/ping").json()["delivered"] is True
        assert receiver.unverified == []
        assert [len(s.split(" ")) for s in receiver.signatures] == [2, 2]


class TestDeliveryLog:
    def test_lists_attempts_and_a_failed_delivery_is_retried_by_hand(self, api: Api) -> None:
        receiver = Receiver(first(1000, Reply(500)))
        receiver.start()
        try:
            created = register(api.somerset, receiver.url)
            receiver.secrets.append(created["secret"])
            url = f"/v1/subscriptions/{created['subscription_id']}"
            api.open_case()

            def delivery() -> dict[str, Any]:
                items: list[dict[str, Any]] = api.somerset.get(f"{url}/deliveries").json()["items"]
                return items[0] if items else {}

            wait_until(lambda: delivery().get("status") == "failed", 15, "given up")
            failed = delivery()
            assert failed["next_attempt_at"] is None and failed["event_type"] == "CaseOpened"
            assert failed["attempts"][0]["status_code"] == 500
            assert "answered 500" in failed["attempts"][0]["error"]
            assert failed["attempts"][0]["latency_ms"] >= 0
            receiver.behaviour = always()
            retried = api.somerset.post(f"{url}/deliveries/{failed['delivery_id']}/retry")
            assert retried.status_code == 200 and retried.json()["status"] == "pending"
            wait_until(lambda: delivery().get("status") == "delivered", 15, "delivered")
            assert [n["type"] for n in receiver.accepted] == ["CaseOpened"]
            again = api.somerset.post(f"{url}/deliveries/{failed['delivery_id']}/retry")
            assert_problem(again, 409, "delivery-delivered")
            unknown = api.somerset.post(f"{url}/deliveries/{uuid4()}/retry")
            assert_problem(unknown, 404, "delivery-not-found")
        finally:
            receiver.stop()

    def test_pages_newest_first(self, api: Api, receiver: Receiver) -> None:
        created = register(api.somerset, receiver.url)
        receiver.secrets.append(created["secret"])
        url = f"/v1/subscriptions/{created['subscription_id']}/deliveries"
        for _ in range(3):
            api.open_case()
        wait_until(lambda: len(receiver.accepted) == 3, 15, "three notifications")
        page = api.somerset.get(url, params={"limit": 2}).json()
        rest = api.somerset.get(url, params={"limit": 2, "cursor": page["next"]}).json()
        positions = [d["position"] for d in page["items"] + rest["items"]]
        assert positions == sorted(positions, reverse=True) and len(positions) == 3
        assert rest["next"] is None
        assert_problem(api.somerset.get(url, params={"limit": 0}), 422, "invalid-limit")

    def test_redirects_are_not_followed_and_answers_are_read_to_a_limit(self, api: Api) -> None:
        elsewhere = Receiver()
        elsewhere.start()
        moved = Receiver(always(302))
        moved.behaviour = first(1000, Reply(302, location=elsewhere.url))
        huge = Receiver(lambda n: Reply(500, body=b"x" * 5_000_000))
        for receiver in (moved, huge):
            receiver.start()
        try:
            ids = []
            for receiver in (moved, huge):
                created = register(api.somerset, receiver.url)
                receiver.secrets.append(created["secret"])
                ids.append(created["subscription_id"])
            api.open_case()

            def first_attempt(subscription_id: str) -> dict[str, Any]:
                page = api.somerset.get(f"/v1/subscriptions/{subscription_id}/deliveries")
                items = page.json()["items"]
                return dict(items[0]["attempts"][0]) if items and items[0]["attempts"] else {}

            def attempted() -> bool:
                return all(first_attempt(s) for s in ids)

            wait_until(attempted, 15, "a first attempt at each")
            redirected, flooded = (first_attempt(s) for s in ids)
            assert redirected["status_code"] == 302 and elsewhere.requests == 0
            assert flooded["status_code"] == 500
            assert flooded["error"] == "answered 500: " + "x" * 200  # of 5 MB, 1 KiB read
        finally:
            for receiver in (elsewhere, moved, huge):
                receiver.stop()
