"""Routes that open a transfer and record the steps before acceptance: propose, read,
information shared and received, date proposals and agreement."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from .support import Api, Caller, assert_problem, decline, transfer_url

FLAGS = ("assessment_completed", "information_shared", "date_agreed", "accepted")


def propose(api: Api, case_id: str, to: str = "801", by: Caller | None = None) -> Any:
    return (by or api.somerset).post(
        f"/v1/cases/{case_id}/transfers", json={"to_authority": to, "reason": "Family moved"}
    )


def propose_date(api: Api, case_id: str, transfer_id: str, on: date, by: Caller) -> Any:
    return by.post(
        transfer_url(case_id, transfer_id, "date-proposals"), json={"date": on.isoformat()}
    )


def agree_date(api: Api, case_id: str, transfer_id: str, on: date, by: Caller) -> Any:
    return by.post(
        transfer_url(case_id, transfer_id, "date-agreement"), json={"date": on.isoformat()}
    )


def receive(api: Api, case_id: str, transfer_id: str, by: Caller | None = None) -> Any:
    return (by or api.bristol).post(transfer_url(case_id, transfer_id, "information-received"))


@pytest.fixture
def case_id(api: Api) -> str:
    """An open Somerset case."""
    opened: str = api.open_case()["case_id"]
    return opened


@pytest.fixture
def transfer_id(api: Api, case_id: str) -> str:
    """A transfer of ``case_id`` from Somerset to Bristol, just proposed."""
    return api.propose(case_id, to="801")


class TestProposingATransfer:
    def test_answers_201_with_the_transfers_location(self, api: Api, case_id: str) -> None:
        response = propose(api, case_id)

        assert response.status_code == 201, response.text
        transfer_id = response.json()["active_transfer"]["transfer_id"]
        assert response.headers["Location"] == f"/v1/cases/{case_id}/transfers/{transfer_id}"
        assert response.headers["ETag"] == '"2"'

    def test_shows_the_transfer_in_progress_in_the_view(self, api: Api, case_id: str) -> None:
        view = propose(api, case_id).json()

        transfer = view["active_transfer"]
        assert transfer["from_authority"] == {"code": "933", "name": "Somerset"}
        assert transfer["to_authority"] == {"code": "801", "name": "Bristol, City of"}
        assert transfer["stage"] == "proposed"
        assert transfer["reason"] == "Family moved"
        assert transfer["agreed_date"] is None and transfer["effective_at"] is None
        assert [transfer[flag] for flag in FLAGS] == [False, False, False, False]
        assert transfer["information_received"] is False
        assert view["responsible_authority"]["code"] == "933"
        assert view["transfers"] == [transfer]

    def test_counts_an_assessment_recorded_before_the_proposal(
        self, api: Api, case_id: str
    ) -> None:
        assert api.assess(case_id).status_code == 200

        transfer = propose(api, case_id).json()["active_transfer"]

        assert transfer["assessment_completed"] is True

    def test_the_location_answers_the_transfer_view(self, api: Api, case_id: str) -> None:
        proposed = propose(api, case_id)

        response = api.bristol.get(proposed.headers["Location"])

        assert response.status_code == 200, response.text
        assert response.json() == proposed.json()["active_transfer"]

    def test_refuses_a_second_transfer_while_one_is_in_progress(
        self, api: Api, case_id: str, transfer_id: str
    ) -> None:
        assert_problem(propose(api, case_id, to="383"), 409, "transfer-in-progress")

    def test_refuses_a_transfer_to_the_responsible_authority(self, api: Api, case_id: str) -> None:
        assert_problem(propose(api, case_id, to="933"), 409, "transfer-to-responsible-authority")

    @pytest.mark.parametrize("code", ["999", "Somerset", ""])
    def test_refuses_an_unknown_authority(self, api: Api, case_id: str, code: str) -> None:
        assert_problem(propose(api, case_id, to=code), 422, "unknown-authority")

    def test_refuses_the_receiving_side(self, api: Api, case_id: str, transfer_id: str) -> None:
        response = propose(api, case_id, to="383", by=api.bristol)

        assert_problem(response, 409, "not-responsible-authority")

    def test_refuses_a_proposal_without_a_reason(self, api: Api, case_id: str) -> None:
        response = api.somerset.post(f"/v1/cases/{case_id}/transfers", json={"to_authority": "801"})

        assert_problem(response, 422, "invalid-request")

    def test_refuses_a_reason_over_10000_characters(self, api: Api, case_id: str) -> None:
        response = api.somerset.post(
            f"/v1/cases/{case_id}/transfers", json={"to_authority": "801", "reason": "r" * 10_001}
        )

        assert_problem(response, 422, "invalid-request")


class TestReadingATransfer:
    def test_answers_404_for_an_unknown_transfer(self, api: Api, case_id: str) -> None:
        response = api.somerset.get(transfer_url(case_id, str(uuid4())))

        assert_problem(response, 404, "transfer-not-found")

    def test_answers_404_for_a_malformed_transfer_id(self, api: Api, case_id: str) -> None:
        response = api.somerset.get(transfer_url(case_id, "not-a-transfer"))

        assert_problem(response, 404, "transfer-not-found")

    def test_answers_404_for_another_cases_transfer(self, api: Api, transfer_id: str) -> None:
        other_case = api.open_case()["case_id"]

        response = api.somerset.get(transfer_url(other_case, transfer_id))

        assert_problem(response, 404, "transfer-not-found")

    def test_answers_404_for_a_step_on_an_unknown_transfer(self, api: Api, case_id: str) -> None:
        response = api.somerset.post(
            transfer_url(case_id, str(uuid4()), "date-proposals"),
            json={"date": api.clock.today().isoformat()},
        )

        assert_problem(response, 404, "transfer-not-found")

    def test_answers_404_for_an_unknown_case(self, api: Api, transfer_id: str) -> None:
        response = api.somerset.get(transfer_url(str(uuid4()), transfer_id))

        assert_problem(response, 404, "case-not-found")


class TestSharingInformation:
    def test_records_what_was_shared(self, api: Api, case_id: str, transfer_id: str) -> None:
        response = api.somerset.post(
            transfer_url(case_id, transfer_id, "information-shared"),
            json={
                "categories": ["assessment", "chronology"],
                "references": ["DOC-1", "DOC-2"],
                "shared_on": api.clock.today().isoformat(),
                "note": "Sent by secure email",
            },
        )

        assert response.status_code == 200, response.text
        transfer = response.json()["active_transfer"]
        assert transfer["information_shared"] is True
        [shared] = transfer["information"]
        assert shared["categories"] == ["assessment", "chronology"]
        assert shared["references"] == ["DOC-1", "DOC-2"]
        assert shared["shared_on"] == api.clock.today().isoformat()
        assert shared["note"] == "Sent by secure email"
        assert shared["recorded_at"]

    def test_may_be_recorded_several_times(self, api: Api, case_id: str, transfer_id: str) -> None:
        api.share(case_id, transfer_id)

        response = api.share(case_id, transfer_id)

        assert response.status_code == 200, response.text
        assert len(response.json()["active_transfer"]["information"]) == 2

    def test_refuses_the_receiving_authority(
        self, api: Api, case_id: str, transfer_id: str
    ) -> None:
        response = api.share(case_id, transfer_id, by=api.bristol)

        assert_problem(response, 409, "not-responsible-authority")

    def test_refuses_a_sharing_date_in_the_future(
        self, api: Api, case_id: str, transfer_id: str
    ) -> None:
        response = api.somerset.post(
            transfer_url(case_id, transfer_id, "information-shared"),
            json={
                "categories": ["assessment"],
                "shared_on": (api.clock.today() + timedelta(days=1)).isoformat(),
            },
        )

        assert_problem(response, 422, "date-in-future")

    def test_refuses_a_record_naming_no_categories(
        self, api: Api, case_id: str, transfer_id: str
    ) -> None:
        response = api.somerset.post(
            transfer_url(case_id, transfer_id, "information-shared"),
            json={"categories": [], "shared_on": api.clock.today().isoformat()},
        )

        assert_problem(response, 422, "invalid-request")


class TestConfirmingInformationReceived:
    def test_sets_information_received(self, api: Api, case_id: str, transfer_id: str) -> None:
        api.share(case_id, transfer_id)

        response = receive(api, case_id, transfer_id)

        assert response.status_code == 200, response.text
        assert response.json()["active_transfer"]["information_received"] is True

    def test_refuses_the_originating_authority(
        self, api: Api, case_id: str, transfer_id: str
    ) -> None:
        api.share(case_id, transfer_id)

        response = receive(api, case_id, transfer_id, by=api.somerset)

        assert_problem(response, 409, "not-receiving-authority")

    def test_refuses_before_anything_was_shared(
        self, api: Api, case_id: str, transfer_id: str
    ) -> None:
        assert_problem(receive(api, case_id, transfer_id), 409, "information-not-shared")


class TestProposingATransferDate:
    def test_records_the_date_and_who_proposed_it(
        self, api: Api, case_id: str, transfer_id: str
    ) -> None:
        on = api.clock.today() + timedelta(days=7)

        response = propose_date(api, case_id, transfer_id, on, by=api.bristol)

        assert response.status_code == 200, response.text
        transfer = response.json()["active_transfer"]
        assert transfer["proposed_date"] == on.isoformat()
        assert transfer["proposed_date_by"] == {"code": "801", "name": "Bristol, City of"}
        assert transfer["agreed_date"] is None and transfer["date_agreed"] is False

    def test_accepts_today(self, api: Api, case_id: str, transfer_id: str) -> None:
        response = propose_date(api, case_id, transfer_id, api.clock.today(), by=api.somerset)

        assert response.status_code == 200, response.text

    def test_refuses_a_date_in_the_past(self, api: Api, case_id: str, transfer_id: str) -> None:
        yesterday = api.clock.today() - timedelta(days=1)

        response = propose_date(api, case_id, transfer_id, yesterday, by=api.somerset)

        assert_problem(response, 422, "date-in-past")

    def test_refuses_an_authority_party_to_the_case_but_not_this_transfer(
        self, api: Api, case_id: str
    ) -> None:
        to_leeds = api.propose(case_id, to="383")
        assert decline(api, case_id, to_leeds, by=api.leeds).status_code == 200
        to_bristol = api.propose(case_id, to="801")

        response = propose_date(api, case_id, to_bristol, api.clock.today(), by=api.leeds)

        assert_problem(response, 409, "not-transfer-party")

    def test_a_new_proposal_undoes_an_earlier_agreement(
        self, api: Api, case_id: str, transfer_id: str
    ) -> None:
        first = api.clock.today() + timedelta(days=3)
        assert api.agree_date(case_id, transfer_id, first).status_code == 200
        later = first + timedelta(days=4)

        response = propose_date(api, case_id, transfer_id, later, by=api.bristol)

        transfer = response.json()["active_transfer"]
        assert transfer["agreed_date"] is None and transfer["date_agreed"] is False
        assert transfer["proposed_date"] == later.isoformat()


class TestAgreeingATransferDate:
    def test_the_other_authority_agrees_the_proposed_date(
        self, api: Api, case_id: str, transfer_id: str
    ) -> None:
        on = api.clock.today() + timedelta(days=7)
        propose_date(api, case_id, transfer_id, on, by=api.somerset)

        response = agree_date(api, case_id, transfer_id, on, by=api.bristol)

        assert response.status_code == 200, response.text
        transfer = response.json()["active_transfer"]
        assert transfer["agreed_date"] == on.isoformat()
        assert transfer["date_agreed"] is True
        assert transfer["proposed_date"] is None

    def test_refuses_the_authority_that_proposed_it(
        self, api: Api, case_id: str, transfer_id: str
    ) -> None:
        on = api.clock.today() + timedelta(days=7)
        propose_date(api, case_id, transfer_id, on, by=api.bristol)

        response = agree_date(api, case_id, transfer_id, on, by=api.bristol)

        assert_problem(response, 409, "agreement-needs-other-authority")

    def test_refuses_an_authority_party_to_the_case_but_not_this_transfer(
        self, api: Api, case_id: str
    ) -> None:
        to_leeds = api.propose(case_id, to="383")
        assert decline(api, case_id, to_leeds, by=api.leeds).status_code == 200
        to_bristol = api.propose(case_id, to="801")
        on = api.clock.today() + timedelta(days=7)
        propose_date(api, case_id, to_bristol, on, by=api.somerset)

        response = agree_date(api, case_id, to_bristol, on, by=api.leeds)

        assert_problem(response, 409, "not-transfer-party")

    def test_refuses_a_different_date(self, api: Api, case_id: str, transfer_id: str) -> None:
        on = api.clock.today() + timedelta(days=7)
        propose_date(api, case_id, transfer_id, on, by=api.somerset)

        response = agree_date(api, case_id, transfer_id, on + timedelta(days=1), by=api.bristol)

        assert_problem(response, 409, "transfer-date-mismatch")

    def test_refuses_when_no_date_was_proposed(
        self, api: Api, case_id: str, transfer_id: str
    ) -> None:
        response = agree_date(api, case_id, transfer_id, api.clock.today(), by=api.bristol)

        assert_problem(response, 409, "no-date-proposed")

    def test_refuses_a_malformed_date(self, api: Api, case_id: str, transfer_id: str) -> None:
        response = api.bristol.post(
            transfer_url(case_id, transfer_id, "date-agreement"), json={"date": "next week"}
        )

        assert_problem(response, 422, "invalid-request")


class TestTransferDatesAreLondonDates:
    def test_today_is_the_london_date_just_after_midnight_in_summer(self, api: Api) -> None:
        # 23:20 UTC on 1 July is 00:20 on 2 July in London (BST).
        api.clock.advance(seconds=(SUMMER_NIGHT - api.clock.now()).total_seconds())
        case_id = api.open_case()["case_id"]
        transfer_id = api.propose(case_id, to="801")

        utc_date = propose_date(api, case_id, transfer_id, date(2027, 7, 1), by=api.somerset)
        london_date = propose_date(api, case_id, transfer_id, date(2027, 7, 2), by=api.somerset)

        assert_problem(utc_date, 422, "date-in-past")
        assert london_date.status_code == 200, london_date.text


SUMMER_NIGHT = datetime(2027, 7, 1, 23, 20, tzinfo=UTC)
