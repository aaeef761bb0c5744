"""Routes that answer who is responsible, and replay the record: responsibility, timeline,
history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from .support import Api, assert_problem, complete_transfer


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def iso(moment: datetime) -> str:
    return moment.isoformat()


def ask(api: Api, case_id: str, **params: str) -> Any:
    return api.somerset.get(f"/v1/cases/{case_id}/responsibility", params=params)


def accepted_for_tomorrow(api: Api) -> tuple[str, str, datetime]:
    """A Somerset case accepted by Bristol for tomorrow: (case_id, effective_at, accepted at)."""
    case_id: str = api.open_case()["case_id"]
    transfer_id = api.propose(case_id, to="801")
    api.ready_to_accept(case_id, transfer_id)
    before_acceptance = api.clock.now()
    accepted = api.accept(case_id, transfer_id)
    assert accepted.status_code == 200, accepted.text
    effective_at: str = accepted.json()["active_transfer"]["effective_at"]
    return case_id, effective_at, before_acceptance


class TestWhoIsResponsible:
    def test_answers_the_opening_authority_now(self, api: Api) -> None:
        case = api.open_case()

        response = ask(api, case["case_id"])

        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["authority"] == {"code": "933", "name": "Somerset"}
        assert answer["since"] == case["opened_at"]
        assert answer["until"] is None

    def test_answers_nobody_before_the_case_was_opened(self, api: Api) -> None:
        case = api.open_case()
        before = instant(case["opened_at"]) - timedelta(seconds=1)

        answer = ask(api, case["case_id"], at=iso(before)).json()

        assert answer["authority"] is None
        assert answer["since"] is None
        assert answer["until"] == case["opened_at"]

    def test_answers_nobody_after_closure(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        closed = api.somerset.post(f"/v1/cases/{case_id}/closure", json={"reason_code": "RC8"})
        api.clock.advance(minutes=1)

        answer = ask(api, case_id).json()

        assert answer["authority"] is None
        assert answer["since"] == closed.json()["closed_at"]
        assert answer["until"] is None

    def test_answers_the_receiving_authority_from_the_effective_instant(self, api: Api) -> None:
        case_id, effective_at, _ = accepted_for_tomorrow(api)

        just_before = iso(instant(effective_at) - timedelta(microseconds=1))
        assert ask(api, case_id, at=just_before).json()["authority"]["code"] == "933"
        at_handover = ask(api, case_id, at=effective_at).json()
        assert at_handover["authority"]["code"] == "801"
        assert at_handover["since"] == effective_at

    def test_returns_the_instants_asked_about_in_utc(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        moment = (api.clock.now() + timedelta(days=3)).replace(microsecond=0)
        in_paris = moment.astimezone(ZoneInfo("Europe/Paris"))

        answer = ask(api, case_id, at=iso(in_paris), as_known_at=iso(in_paris)).json()

        assert instant(answer["at"]) == moment and answer["at"].endswith("Z")
        assert instant(answer["as_known_at"]) == moment and answer["as_known_at"].endswith("Z")

    @pytest.mark.parametrize("name", ["at", "as_known_at"])
    def test_refuses_an_instant_without_an_offset(self, api: Api, name: str) -> None:
        case_id = api.open_case()["case_id"]
        naive = api.clock.now().replace(tzinfo=None).isoformat()

        assert_problem(ask(api, case_id, **{name: naive}), 422, "invalid-request")

    def test_refuses_an_instant_that_is_not_a_date_time(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]

        assert_problem(ask(api, case_id, at="yesterday"), 422, "invalid-request")


class TestWhoWasResponsibleAsTheRecordStood:
    def test_shows_no_scheduled_hand_over_before_acceptance_was_recorded(self, api: Api) -> None:
        case_id, effective_at, before_acceptance = accepted_for_tomorrow(api)

        answer = ask(api, case_id, at=effective_at, as_known_at=iso(before_acceptance)).json()

        assert answer["authority"]["code"] == "933"
        assert answer["until"] is None

    def test_shows_the_scheduled_hand_over_as_known_now(self, api: Api) -> None:
        case_id, effective_at, _ = accepted_for_tomorrow(api)

        answer = ask(api, case_id, at=effective_at, as_known_at=iso(api.clock.now())).json()

        assert answer["authority"]["code"] == "801"

    def test_knows_no_case_before_it_was_opened(self, api: Api) -> None:
        case = api.open_case()
        before = iso(instant(case["opened_at"]) - timedelta(seconds=1))

        answer = ask(api, case["case_id"], at=case["opened_at"], as_known_at=before).json()

        assert answer["authority"] is None

    def test_the_past_never_changes_when_a_hand_over_is_recorded(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        transfer_id = api.propose(case_id, to="801")
        api.ready_to_accept(case_id, transfer_id, on=api.clock.today())
        past = api.clock.now()
        answer_before = ask(api, case_id, at=iso(past)).json()

        assert api.accept(case_id, transfer_id).status_code == 200
        answer_after = ask(api, case_id, at=iso(past)).json()

        assert answer_after["authority"] == answer_before["authority"]
        assert answer_after["since"] == answer_before["since"]
        assert ask(api, case_id).json()["authority"]["code"] == "801"


class TestTimeline:
    def test_shows_one_open_interval_for_a_new_case(self, api: Api) -> None:
        case = api.open_case()

        response = api.mash.get(f"/v1/cases/{case['case_id']}/timeline")

        assert response.status_code == 200, response.text
        assert response.json()["case_id"] == case["case_id"]
        assert response.json()["intervals"] == [
            {
                "authority": {"code": "933", "name": "Somerset"},
                "since": case["opened_at"],
                "until": None,
                "scheduled": False,
            }
        ]

    def test_shows_an_accepted_hand_over_as_a_scheduled_interval(self, api: Api) -> None:
        case_id, effective_at, _ = accepted_for_tomorrow(api)

        intervals = api.mash.get(f"/v1/cases/{case_id}/timeline").json()["intervals"]

        assert [(i["authority"]["code"], i["until"], i["scheduled"]) for i in intervals] == [
            ("933", effective_at, False),
            ("801", None, True),
        ]
        assert intervals[1]["since"] == effective_at

    def test_the_scheduled_interval_starts_once_its_instant_passes(self, api: Api) -> None:
        case_id, _, _ = accepted_for_tomorrow(api)
        api.clock.advance(days=2)

        intervals = api.mash.get(f"/v1/cases/{case_id}/timeline").json()["intervals"]

        assert [(i["authority"]["code"], i["scheduled"]) for i in intervals] == [
            ("933", False),
            ("801", False),
        ]

    def test_shows_the_record_as_it_stood_before_acceptance(self, api: Api) -> None:
        case_id, _, before_acceptance = accepted_for_tomorrow(api)

        response = api.mash.get(
            f"/v1/cases/{case_id}/timeline", params={"as_known_at": iso(before_acceptance)}
        )

        assert instant(response.json()["as_known_at"]) == before_acceptance.astimezone(UTC)
        intervals = response.json()["intervals"]
        assert [(i["authority"]["code"], i["until"]) for i in intervals] == [("933", None)]

    def test_shows_an_immediate_hand_over_as_two_started_intervals(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        complete_transfer(api, case_id)

        intervals = api.bristol.get(f"/v1/cases/{case_id}/timeline").json()["intervals"]

        assert [(i["authority"]["code"], i["scheduled"]) for i in intervals] == [
            ("933", False),
            ("801", False),
        ]
        assert intervals[0]["until"] == intervals[1]["since"]

    def test_ends_the_last_interval_at_closure(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        closed = api.somerset.post(f"/v1/cases/{case_id}/closure", json={"reason_code": "RC8"})

        intervals = api.mash.get(f"/v1/cases/{case_id}/timeline").json()["intervals"]

        assert [i["until"] for i in intervals] == [closed.json()["closed_at"]]

    def test_refuses_an_as_known_at_without_an_offset(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        naive = api.clock.now().replace(tzinfo=None).isoformat()

        response = api.mash.get(f"/v1/cases/{case_id}/timeline", params={"as_known_at": naive})

        assert_problem(response, 422, "invalid-request")


class TestHistory:
    def test_lists_every_event_in_order_with_its_actor(self, api: Api) -> None:
        case = api.open_case(local_reference="SOM-1")
        case_id = case["case_id"]
        transfer_id = api.propose(case_id, to="801")
        api.bristol.post(f"/v1/cases/{case_id}/local-references", json={"reference": "BRS-1"})

        response = api.auditor.get(f"/v1/cases/{case_id}/history")

        assert response.status_code == 200, response.text
        assert response.json()["case_id"] == case_id
        events = response.json()["events"]
        assert [(e["version"], e["type"]) for e in events] == [
            (1, "CaseOpened"),
            (2, "TransferProposed"),
            (3, "LocalReferenceRecorded"),
        ]
        somerset = {"name": "Somerset case system", "role": "authority", "authority": "933"}
        bristol = {"name": "Bristol case system", "role": "authority", "authority": "801"}
        assert [e["actor"] for e in events] == [somerset, somerset, bristol]
        assert events[0]["recorded_at"] == case["opened_at"]
        assert [e["recorded_at"] for e in events] == sorted(e["recorded_at"] for e in events)
        assert events[1]["data"] == {
            "transfer_id": transfer_id,
            "from_authority": "933",
            "to_authority": "801",
            "reason": "Family moved",
        }

    def test_carries_the_opening_facts(self, api: Api) -> None:
        case = api.open_case(local_reference="SOM-1", date_of_birth="2020-02-29")

        events = api.somerset.get(f"/v1/cases/{case['case_id']}/history").json()["events"]

        assert events[0]["data"] == {
            "authority": "933",
            "local_reference": "SOM-1",
            "nhs_number": case["child"]["nhs_number"],
            "date_of_birth": "2020-02-29",
            "expected_date_of_birth": None,
        }

    def test_is_open_to_the_receiving_side_of_a_transfer(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        api.propose(case_id, to="801")

        assert api.bristol.get(f"/v1/cases/{case_id}/history").status_code == 200

    @pytest.mark.parametrize("caller", ["mash", "leeds_mash"])
    def test_is_refused_to_the_mash(self, api: Api, caller: str) -> None:
        case_id = api.open_case()["case_id"]

        response = getattr(api, caller).get(f"/v1/cases/{case_id}/history")

        assert_problem(response, 403, "role-not-permitted")

    def test_answers_404_for_an_unknown_case(self, api: Api) -> None:
        response = api.auditor.get("/v1/cases/00000000-0000-0000-0000-000000000000/history")

        assert_problem(response, 404, "case-not-found")


class TestInstantsAtTheEdgeOfTheCalendar:
    """Python datetimes end at year 1 and 9999: an offset can push an instant past either."""

    @pytest.mark.parametrize(
        ("route", "name", "value"),
        [
            ("responsibility", "at", "0001-01-01T00:00:00+01:00"),
            ("responsibility", "at", "9999-12-31T23:59:59-01:00"),
            ("responsibility", "as_known_at", "0001-01-01T00:00:00+01:00"),
            ("timeline", "as_known_at", "0001-01-01T00:00:00+01:00"),
            ("timeline", "as_known_at", "9999-12-31T23:59:59-01:00"),
        ],
    )
    def test_never_answers_500_for_an_instant_beyond_utc(
        self, api: Api, route: str, name: str, value: str
    ) -> None:
        case_id = api.open_case()["case_id"]

        response = api.mash.get(f"/v1/cases/{case_id}/{route}", params={name: value})

        assert_problem(response, 422, "invalid-request")

    @pytest.mark.parametrize("value", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00"])
    def test_answers_for_the_first_and_last_utc_instants(self, api: Api, value: str) -> None:
        case_id = api.open_case()["case_id"]

        response = ask(api, case_id, at=value, as_known_at=value)

        assert response.status_code == 200, response.text
