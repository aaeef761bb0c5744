"""Notifications reach real receivers that fail in every usual way, signed, once each and
in order per case, told only to the authorities that may see each event.

The receivers are real HTTP servers (``tests.e2e.notifications.receivers``); the
worker is the one ``serve`` runs in development, fed from the log like the read models.
Signatures are checked by the ``standardwebhooks`` package, not by the service's code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from service.settings import Settings
from tests.e2e.notifications.receivers import (
    Receiver,
    Reply,
    always,
    fast_settings,
    first,
    wait_until,
)

from .decision_support import circulate, convene, dissent, hold, raise_difference
from .support import Api, Caller, assert_problem

DEADLINE = 20.0


@pytest.fixture
def settings(
    database_url: str, principals: tuple[Path, dict[str, str]], request: pytest.FixtureRequest
) -> Settings:
    """Fast back-off; a test may give more settings (``indirect`` parametrisation)."""
    given = getattr(request, "param", {})
    return fast_settings(database_url=database_url, principals_file=principals[0], **given)


def subscribe(caller: Caller, receiver: Receiver, **body: Any) -> dict[str, Any]:
    response = caller.post("/v1/subscriptions", json={"url": receiver.url, **body})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    receiver.secrets.append(created["secret"])
    return created


def feed(api: Api) -> list[dict[str, Any]]:
    response = api.auditor.get("/v1/events", params={"limit": 1000})
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()["events"]
    return events


def hand_over_steps(api: Api) -> str:
    """A case opened by Somerset, assessed and proposed to Bristol, information shared."""
    case_id: str = api.open_case()["case_id"]
    assert api.assess(case_id).status_code == 200
    transfer_id = api.propose(case_id)
    assert api.share(case_id, transfer_id).status_code == 200
    return case_id


def wait_for_count(receiver: Receiver, count: int) -> None:
    wait_until(lambda: len(receiver.accepted) >= count, DEADLINE, f"{count} notifications")


class TestReceiversThatFail:
    def test_every_notification_arrives_once_in_order_signed(self, api: Api) -> None:
        down = Receiver()  # not listening until later
        failing = Receiver(first(3, Reply(500)))
        slow = Receiver(first(2, Reply(204, delay=1.5)))  # past the 0.5 s timeout
        for receiver in (failing, slow):
            receiver.start()
        try:
            for receiver in (down, failing, slow):
                subscribe(api.somerset, receiver)
            cases = [hand_over_steps(api), hand_over_steps(api)]
            wait_until(lambda: down.requests == 0, 1, "nothing (down)")
            down.start()  # back after a while
            expected = {
                case_id: [e["position"] for e in feed(api) if e["case_id"] == case_id]
                for case_id in cases
            }
            total = sum(len(p) for p in expected.values())
            for receiver in (down, failing, slow):
                wait_for_count(receiver, total)
                assert receiver.unverified == []
                for case_id, positions in expected.items():
                    assert receiver.positions(case_id) == positions
            assert failing.requests > total  # the 500s were retried
            assert slow.duplicates >= 1  # a timed-out request arrived and was sent again
        finally:
            for receiver in (down, failing, slow):
                receiver.stop()

    def test_410_ends_the_subscription(self, api: Api) -> None:
        gone = Receiver(always(410))
        gone.start()
        try:
            created = subscribe(api.somerset, gone)
            api.open_case()
            url = f"/v1/subscriptions/{created['subscription_id']}"
            wait_until(lambda: api.somerset.get(url).json()["status"] == "ended", DEADLINE, "ended")
            shown = api.somerset.get(url).json()
            assert "410" in shown["status_reason"]
            api.open_case()
            deliveries = api.somerset.get(f"{url}/deliveries").json()["items"]
            assert [d["status"] for d in deliveries] == ["failed"]
            assert gone.requests == 1
        finally:
            gone.stop()

    @pytest.mark.parametrize("settings", [{"notify_disable_after_seconds": 1.0}], indirect=True)
    def test_failing_too_long_disables_the_subscription(self, api: Api, settings: Settings) -> None:
        broken = Receiver(always(500))
        broken.start()
        try:
            created = subscribe(api.somerset, broken)
            api.open_case()
            url = f"/v1/subscriptions/{created['subscription_id']}"
            wait_until(
                lambda: api.somerset.get(url).json()["status"] == "disabled", DEADLINE, "disabled"
            )
            shown = api.somerset.get(url).json()
            assert "answered 500" in shown["status_reason"]
            assert shown["failing_since"] is not None
            retry = api.somerset.post(f"{url}/deliveries/{uuid4()}/retry")
            assert_problem(retry, 409, "subscription-not-active")
        finally:
            broken.stop()


class TestWhoIsTold:
    def test_the_receiving_authority_hears_from_the_proposal_on_and_others_nothing(
        self, api: Api
    ) -> None:
        somerset, bristol, leeds = Receiver(), Receiver(), Receiver()
        for receiver in (somerset, bristol, leeds):
            receiver.start()
        try:
            subscribe(api.somerset, somerset)
            subscribe(api.bristol, bristol)
            subscribe(api.leeds, leeds)
            case_id = hand_over_steps(api)
            events = [e for e in feed(api) if e["case_id"] == case_id]
            proposed = next(e["position"] for e in events if e["type"] == "TransferProposed")
            from_proposal = [e["position"] for e in events if e["position"] >= proposed]
            wait_until(lambda: len(somerset.accepted) == len(events), DEADLINE, "Somerset's")
            wait_until(lambda: len(bristol.accepted) == len(from_proposal), DEADLINE, "Bristol's")
            assert bristol.positions(case_id) == from_proposal
            assert leeds.requests == 0
            notice = next(n for n in bristol.accepted if n["type"] == "TransferProposed")
            assert notice["data"]["from_authority"] == "933"
            assert notice["data"]["to_authority"] == "801"
            assert notice["data"]["case_id"] == case_id
            assert "reason" not in notice["data"]  # free text stays behind the API
            opened = next(n for n in somerset.accepted if n["type"] == "CaseOpened")
            assert "nhs_number" not in opened["data"]
            assert "date_of_birth" not in opened["data"]
        finally:
            for receiver in (somerset, bristol, leeds):
                receiver.stop()

    def test_a_partner_hears_of_its_discussions_and_differences_only(self, api: Api) -> None:
        somerset, police, hospital, school = Receiver(), Receiver(), Receiver(), Receiver()
        receivers = (somerset, police, hospital, school)
        for receiver in receivers:
            receiver.start()
        try:
            subscribe(api.somerset, somerset)
            subscribe(api.police, police)
            subscribe(api.hospital, hospital)
            subscribe(api.school, school)
            case_id = api.open_case()["case_id"]
            assert api.assess(case_id).status_code == 200
            first = convene(api, case_id).json()["discussion_id"]  # police, hospital, GP
            school_only = [{"code": "school-taunton", "kind": "school", "name": "Taunton"}]
            second = convene(api, case_id, invited=school_only).json()["discussion_id"]
            assert hold(api, case_id, first).status_code == 200
            attended = ["933", "school-taunton"]
            assert hold(api, case_id, second, attended=attended).status_code == 200
            assert circulate(api, case_id, first).status_code == 200
            assert dissent(api, case_id, first).status_code == 201
            raised = raise_difference(api, case_id, discussion_id=first)
            assert raised.status_code == 201, raised.text
            api.propose(case_id)
            total = len([e for e in feed(api) if e["case_id"] == case_id])
            wait_until(lambda: len(somerset.accepted) == total, DEADLINE, "Somerset's")
            for receiver, count in ((police, 4), (hospital, 5), (school, 2)):
                wait_for_count(receiver, count)
            of_first = ["StrategyDiscussionConvened", "StrategyOutcomeRecorded"]
            of_first += ["MinutesCirculated", "DissentRecorded"]
            assert [n["type"] for n in police.accepted] == of_first
            assert {n["data"]["discussion_id"] for n in police.accepted} == {first}
            assert [n["type"] for n in hospital.accepted] == [
                *of_first,
                "ProfessionalDifferenceRaised",
            ]
            assert [n["type"] for n in school.accepted] == of_first[:2]
            assert {n["data"]["discussion_id"] for n in school.accepted} == {second}
            for receiver in (police, hospital, school):
                assert receiver.unverified == []
                assert receiver.positions(case_id) == sorted(receiver.positions(case_id))
            dissented = next(n["data"] for n in police.accepted if n["type"] == "DissentRecorded")
            assert dissented["agency"] == "hospital-musgrove" and "dissent_id" in dissented
            assert "account" not in dissented  # free text stays behind the API
            difference = hospital.accepted[-1]["data"]
            assert difference["raised_by"] == "hospital-musgrove"
            assert difference["responded_by"] == "933"
            assert "disputed" not in difference and "held_by" not in difference
        finally:
            for receiver in receivers:
                receiver.stop()

    def test_a_subscription_for_some_event_types_gets_only_those(self, api: Api) -> None:
        receiver = Receiver()
        receiver.start()
        try:
            subscribe(api.bristol, receiver, event_types=["TransferProposed"])
            case_id = hand_over_steps(api)
            wait_until(lambda: len(receiver.accepted) == 1, DEADLINE, "the proposal")
            api.open_case()  # Bristol is no party: nothing more
            assert [n["type"] for n in receiver.accepted] == ["TransferProposed"]
            assert receiver.accepted[0]["data"]["case_id"] == case_id
        finally:
            receiver.stop()
