"""Routes that end a transfer: acceptance, decline, withdrawal."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from service.domain.calendar import start_of_london_day

from .support import SETTLE_MARGIN_SECONDS, Api, Caller, assert_problem, decline, transfer_url


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def withdraw(api: Api, case_id: str, transfer_id: str, by: Caller | None = None) -> Any:
    return (by or api.somerset).post(
        transfer_url(case_id, transfer_id, "withdrawal"), json={"reason": "Family stayed"}
    )


def timeline(api: Api, case_id: str) -> list[tuple[str, bool]]:
    intervals = api.mash.get(f"/v1/cases/{case_id}/timeline").json()["intervals"]
    return [(i["authority"]["code"], i["scheduled"]) for i in intervals]


@pytest.fixture
def case_id(api: Api) -> str:
    """An open Somerset case."""
    opened: str = api.open_case()["case_id"]
    return opened


@pytest.fixture
def transfer_id(api: Api, case_id: str) -> str:
    """A transfer of ``case_id`` from Somerset to Bristol, just proposed."""
    return api.propose(case_id, to="801")


class TestAcceptanceRefusals:
    def test_refused_until_the_originator_has_assessed(
        self, api: Api, case_id: str, transfer_id: str
    ) -> None:
        api.share(case_id, transfer_id)
        api.agree_date(case_id, transfer_id, api.clock.today() + timedelta(days=1))

        assert_problem(api.accept(case_id, transfer_id), 409, "assessment-required")

    def test_refused_until_information_is_shared(
        self, api: Api, case_id: str, transfer_id: str
    ) -> None:
        api.assess(case_id)
        api.agree_date(case_id, transfer_id, api.clock.today() + timedelta(days=1))

        assert_problem(api.accept(case_id, transfer_id), 409, "information-not-shared")

    def test_refused_until_a_date_is_agreed(self, api: Api, case_id: str, transfer_id: str) -> None:
        api.assess(case_id)
        api.share(case_id, transfer_id)

        assert_problem(api.accept(case_id, transfer_id), 409, "transfer-date-not-agreed")

    def test_refused_while_a_date_is_only_proposed(
        self, api: Api, case_id: str, transfer_id: str
    ) -> None:
        api.assess(case_id)
        api.share(case_id, transfer_id)
        api.somerset.post(
            transfer_url(case_id, transfer_id, "date-proposals"),
            json={"date": api.clock.today().isoformat()},
        )

        assert_problem(api.accept(case_id, transfer_id), 409, "transfer-date-not-agreed")

    def test_refused_to_the_originating_authority(
        self, api: Api, case_id: str, transfer_id: str
    ) -> None:
        api.ready_to_accept(case_id, transfer_id)

        response = api.accept(case_id, transfer_id, by=api.somerset)

        assert_problem(response, 409, "not-receiving-authority")

    def test_refused_a_second_time(self, api: Api, case_id: str, transfer_id: str) -> None:
        api.ready_to_accept(case_id, transfer_id)
        assert api.accept(case_id, transfer_id).status_code == 200

        assert_problem(api.accept(case_id, transfer_id), 409, "transfer-already-accepted")

    def test_refused_once_the_agreed_date_has_passed(
        self, api: Api, case_id: str, transfer_id: str
    ) -> None:
        api.ready_to_accept(case_id, transfer_id)
        api.clock.advance(days=2)

        assert_problem(api.accept(case_id, transfer_id), 409, "transfer-date-passed")
        transfer = api.bristol.get(f"/v1/cases/{case_id}").json()["active_transfer"]
        assert transfer["date_agreed"] is False
        assert transfer["stage"] == "proposed"

    def test_a_new_date_may_be_agreed_after_the_old_one_passed(
        self, api: Api, case_id: str, transfer_id: str
    ) -> None:
        api.ready_to_accept(case_id, transfer_id)
        api.clock.advance(days=2)

        assert api.agree_date(case_id, transfer_id, api.clock.today()).status_code == 200

        assert api.accept(case_id, transfer_id).status_code == 200


class TestAcceptance:
    def test_schedules_the_hand_over_for_the_start_of_a_future_date(
        self, api: Api, case_id: str, transfer_id: str
    ) -> None:
        tomorrow = api.clock.today() + timedelta(days=1)
        api.ready_to_accept(case_id, transfer_id, on=tomorrow)

        response = api.accept(case_id, transfer_id)

        assert response.status_code == 200, response.text
        view = response.json()
        transfer = view["active_transfer"]
        assert transfer["stage"] == "accepted"
        assert transfer["accepted"] is True and transfer["date_agreed"] is True
        assert transfer["agreed_date"] == tomorrow.isoformat()
        assert instant(transfer["effective_at"]) == start_of_london_day(tomorrow)
        assert view["responsible_authority"]["code"] == "933"

    def test_a_summer_hand_over_begins_at_midnight_london_time(self, api: Api) -> None:
        noon = datetime(2027, 7, 1, 12, tzinfo=UTC)
        api.clock.advance(seconds=(noon - api.clock.now()).total_seconds())
        case_id = api.open_case()["case_id"]
        transfer_id = api.propose(case_id, to="801")
        api.ready_to_accept(case_id, transfer_id, on=date(2027, 7, 3))

        transfer = api.accept(case_id, transfer_id).json()["active_transfer"]

        assert transfer["effective_at"] == "2027-07-02T23:00:00Z"

    def test_with_todays_date_passes_responsibility_once_the_settle_margin_passes(
        self, api: Api, case_id: str, transfer_id: str
    ) -> None:
        api.ready_to_accept(case_id, transfer_id, on=api.clock.today())
        before = api.clock.now()

        response = api.bristol.post(transfer_url(case_id, transfer_id, "acceptance"))

        after = api.clock.now()
        assert response.status_code == 200, response.text
        view = response.json()
        [transfer] = view["transfers"]
        effective_at = instant(transfer["effective_at"])
        margin = timedelta(seconds=SETTLE_MARGIN_SECONDS)
        assert before + margin <= effective_at <= after + margin
        assert transfer["stage"] == "accepted"  # answered before it takes effect
        assert view["responsible_authority"]["code"] == "933"
        api.clock.advance(seconds=SETTLE_MARGIN_SECONDS)
        view = api.bristol.get(f"/v1/cases/{case_id}").json()
        assert view["transfers"][0]["stage"] == "completed"
        assert view["active_transfer"] is None
        assert view["responsible_authority"] == {"code": "801", "name": "Bristol, City of"}
        assert view["responsible_since"] == transfer["effective_at"]
        now = api.somerset.get(f"/v1/cases/{case_id}/responsibility").json()
        assert now["authority"]["code"] == "801"

    def test_the_hand_over_completes_once_its_instant_passes(
        self, api: Api, case_id: str, transfer_id: str
    ) -> None:
        api.ready_to_accept(case_id, transfer_id)
        api.accept(case_id, transfer_id)
        api.clock.advance(days=2)

        view = api.bristol.get(f"/v1/cases/{case_id}").json()

        assert view["responsible_authority"]["code"] == "801"
        assert view["active_transfer"] is None
        assert [t["stage"] for t in view["transfers"]] == ["completed"]
        assert view["transfers"][0]["accepted"] is True


class TestDecline:
    def test_leaves_the_originator_responsible(
        self, api: Api, case_id: str, transfer_id: str
    ) -> None:
        response = decline(api, case_id, transfer_id)

        assert response.status_code == 200, response.text
        view = response.json()
        assert view["responsible_authority"]["code"] == "933"
        assert view["active_transfer"] is None
        [transfer] = view["transfers"]
        assert transfer["stage"] == "declined"
        assert transfer["end_reason"] == "Family not resident here"
        assert transfer["ended_at"] is not None
        assert timeline(api, case_id) == [("933", False)]

    def test_needs_a_reason(self, api: Api, case_id: str, transfer_id: str) -> None:
        response = api.bristol.post(transfer_url(case_id, transfer_id, "decline"), json={})

        assert_problem(response, 422, "invalid-request")

    def test_refuses_a_blank_reason(self, api: Api, case_id: str, transfer_id: str) -> None:
        response = api.bristol.post(
            transfer_url(case_id, transfer_id, "decline"), json={"reason": "   "}
        )

        assert_problem(response, 422, "text-required")

    def test_is_refused_to_the_originating_authority(
        self, api: Api, case_id: str, transfer_id: str
    ) -> None:
        response = decline(api, case_id, transfer_id, by=api.somerset)

        assert_problem(response, 409, "not-receiving-authority")

    def test_is_refused_after_acceptance(self, api: Api, case_id: str, transfer_id: str) -> None:
        api.ready_to_accept(case_id, transfer_id)
        api.accept(case_id, transfer_id)

        assert_problem(decline(api, case_id, transfer_id), 409, "transfer-already-accepted")

    def test_a_new_transfer_may_then_be_proposed(
        self, api: Api, case_id: str, transfer_id: str
    ) -> None:
        decline(api, case_id, transfer_id)

        again = api.propose(case_id, to="801")

        assert again != transfer_id
        view = api.somerset.get(f"/v1/cases/{case_id}").json()
        assert view["active_transfer"]["transfer_id"] == again
        assert [t["stage"] for t in view["transfers"]] == ["declined", "proposed"]

    @pytest.mark.parametrize(
        ("step", "caller", "body"),
        [
            ("information-shared", "somerset", {"categories": ["x"], "shared_on": "TODAY"}),
            ("information-received", "bristol", None),
            ("date-proposals", "somerset", {"date": "TODAY"}),
            ("date-agreement", "somerset", {"date": "TODAY"}),
            ("acceptance", "bristol", None),
            ("decline", "bristol", {"reason": "Again"}),
            ("withdrawal", "somerset", {"reason": "Again"}),
        ],
    )
    def test_refuses_every_step_on_the_declined_transfer(
        self,
        api: Api,
        case_id: str,
        transfer_id: str,
        step: str,
        caller: str,
        body: dict[str, Any] | None,
    ) -> None:
        decline(api, case_id, transfer_id)
        today = api.clock.today().isoformat()
        if body is not None:
            body = {k: today if v == "TODAY" else v for k, v in body.items()}

        response = getattr(api, caller).post(transfer_url(case_id, transfer_id, step), json=body)

        assert_problem(response, 409, "no-transfer-in-progress")


class TestWithdrawal:
    def test_before_acceptance_ends_the_transfer(
        self, api: Api, case_id: str, transfer_id: str
    ) -> None:
        response = withdraw(api, case_id, transfer_id)

        assert response.status_code == 200, response.text
        view = response.json()
        assert view["active_transfer"] is None
        assert view["transfers"][0]["stage"] == "withdrawn"
        assert view["transfers"][0]["end_reason"] == "Family stayed"
        assert view["responsible_authority"]["code"] == "933"

    def test_then_a_new_transfer_may_be_proposed(
        self, api: Api, case_id: str, transfer_id: str
    ) -> None:
        withdraw(api, case_id, transfer_id)

        assert api.propose(case_id, to="383") != transfer_id

    def test_after_acceptance_removes_the_scheduled_hand_over(
        self, api: Api, case_id: str, transfer_id: str
    ) -> None:
        api.ready_to_accept(case_id, transfer_id)
        effective_at = api.accept(case_id, transfer_id).json()["active_transfer"]["effective_at"]
        assert timeline(api, case_id) == [("933", False), ("801", True)]

        response = withdraw(api, case_id, transfer_id)

        assert response.status_code == 200, response.text
        assert response.json()["transfers"][0]["stage"] == "withdrawn"
        assert timeline(api, case_id) == [("933", False)]
        then = api.mash.get(f"/v1/cases/{case_id}/responsibility", params={"at": effective_at})
        assert then.json()["authority"]["code"] == "933"
        assert then.json()["until"] is None

    def test_keeps_the_acceptance_in_the_history(
        self, api: Api, case_id: str, transfer_id: str
    ) -> None:
        api.ready_to_accept(case_id, transfer_id)
        api.accept(case_id, transfer_id)
        withdraw(api, case_id, transfer_id)

        events = api.auditor.get(f"/v1/cases/{case_id}/history").json()["events"]

        assert [e["type"] for e in events][-2:] == ["ResponsibilityAccepted", "TransferWithdrawn"]

    def test_is_refused_after_the_effective_instant(
        self, api: Api, case_id: str, transfer_id: str
    ) -> None:
        api.ready_to_accept(case_id, transfer_id)
        api.accept(case_id, transfer_id)
        api.clock.advance(days=2)

        assert_problem(withdraw(api, case_id, transfer_id), 409, "transfer-complete")

    def test_is_refused_to_the_receiving_authority(
        self, api: Api, case_id: str, transfer_id: str
    ) -> None:
        response = withdraw(api, case_id, transfer_id, by=api.bristol)

        assert_problem(response, 409, "not-responsible-authority")

    def test_needs_a_reason(self, api: Api, case_id: str, transfer_id: str) -> None:
        response = api.somerset.post(transfer_url(case_id, transfer_id, "withdrawal"), json={})

        assert_problem(response, 422, "invalid-request")


class TestACompletedTransfer:
    """After the effective instant a transfer is final (rule 8)."""

    @pytest.fixture
    def completed(self, api: Api, case_id: str, transfer_id: str) -> str:
        api.ready_to_accept(case_id, transfer_id, on=api.clock.today())
        assert api.accept(case_id, transfer_id).status_code == 200
        return transfer_id

    @pytest.mark.parametrize(
        ("step", "caller", "body"),
        [
            ("acceptance", "bristol", None),
            ("decline", "bristol", {"reason": "Too late"}),
            ("withdrawal", "somerset", {"reason": "Too late"}),
        ],
    )
    def test_refuses_further_steps(
        self,
        api: Api,
        case_id: str,
        completed: str,
        step: str,
        caller: str,
        body: dict[str, Any] | None,
    ) -> None:
        response = getattr(api, caller).post(transfer_url(case_id, completed, step), json=body)

        assert_problem(response, 409, "transfer-complete")

    def test_a_move_back_needs_a_new_transfer_the_other_way(
        self, api: Api, case_id: str, completed: str
    ) -> None:
        back = api.propose(case_id, to="933", by=api.bristol)

        view = api.somerset.get(f"/v1/cases/{case_id}").json()
        assert view["active_transfer"]["transfer_id"] == back
        assert view["active_transfer"]["from_authority"]["code"] == "801"
        assert view["active_transfer"]["assessment_completed"] is False

    def test_the_new_authority_must_assess_before_passing_it_on(
        self, api: Api, case_id: str, completed: str
    ) -> None:
        back = api.propose(case_id, to="933", by=api.bristol)
        api.share(case_id, back, by=api.bristol)
        api.agree_date(case_id, back, api.clock.today(), proposer=api.bristol, agreer=api.somerset)

        response = api.accept(case_id, back, by=api.somerset)

        assert_problem(response, 409, "assessment-required")
