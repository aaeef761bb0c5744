"""Who may see a case and who may change it, beyond the status of each route.

The status every kind of principal gets on every route is the matrix in
test_authorization_matrix.py. Here: to an authority that is not a party a case does not
exist, down to the answer; parties stay parties after a transfer ends.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from .support import Api, Caller, assert_problem, complete_transfer, decline


@pytest.fixture
def mid_transfer(api: Api) -> tuple[str, str]:
    """A Somerset case whose transfer to Bristol has been proposed: (case_id, transfer_id)."""
    case_id: str = api.open_case()["case_id"]
    return case_id, api.propose(case_id, to="801")


class TestAnUnrelatedAuthority:
    def test_sees_the_same_answer_as_for_a_case_that_does_not_exist(
        self, api: Api, mid_transfer: tuple[str, str]
    ) -> None:
        hidden = api.leeds.get(f"/v1/cases/{mid_transfer[0]}")
        missing = api.leeds.get(f"/v1/cases/{uuid4()}")

        assert hidden.status_code == missing.status_code == 404
        # Alike but for the id of each request.
        assert {**hidden.json(), "request_id": ""} == {**missing.json(), "request_id": ""}

    def test_finds_nothing_by_nhs_number(self, api: Api) -> None:
        case = api.open_case()
        api.propose(case["case_id"], to="801")

        response = api.leeds.get(
            "/v1/cases/by-nhs-number", params={"nhs_number": case["child"]["nhs_number"]}
        )

        assert response.json()["items"] == []

    def test_becomes_a_party_as_the_other_side_of_a_declined_transfer(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        transfer_id = api.propose(case_id, to="383")
        assert decline(api, case_id, transfer_id, by=api.leeds).status_code == 200

        response = api.leeds.get(f"/v1/cases/{case_id}/history")

        assert response.status_code == 200, response.text


class TestAnonymousCallers:
    def test_an_unknown_token_gets_401_even_for_an_unknown_case(self, api: Api) -> None:
        stranger = Caller(api.client, "not-a-real-token")

        response = stranger.get(f"/v1/cases/{uuid4()}")

        assert_problem(response, 401, "unauthenticated")


class TestTheFormerlyResponsibleAuthority:
    """After a completed Somerset -> Bristol transfer, Somerset still sees the case."""

    @pytest.fixture
    def handed_over(self, api: Api) -> str:
        case_id: str = api.open_case()["case_id"]
        complete_transfer(api, case_id)
        return case_id

    @pytest.mark.parametrize("path", ["", "/responsibility", "/timeline", "/history"])
    def test_still_reads_the_case(self, api: Api, handed_over: str, path: str) -> None:
        response = api.somerset.get(f"/v1/cases/{handed_over}{path}")

        assert response.status_code == 200, response.text

    def test_finds_the_case_by_nhs_number(self, api: Api, handed_over: str) -> None:
        nhs_number = api.somerset.get(f"/v1/cases/{handed_over}").json()["child"]["nhs_number"]

        items = api.somerset.get(
            "/v1/cases/by-nhs-number", params={"nhs_number": nhs_number}
        ).json()["items"]

        assert [c["case_id"] for c in items] == [handed_over]

    @pytest.mark.parametrize(
        ("path", "body"),
        [
            ("/transfers", {"to_authority": "383", "reason": "Family moved"}),
            ("/closure", {"reason_code": "RC8"}),
        ],
    )
    def test_may_no_longer_act_as_responsible(
        self, api: Api, handed_over: str, path: str, body: dict[str, Any]
    ) -> None:
        response = api.somerset.post(f"/v1/cases/{handed_over}{path}", json=body)

        assert_problem(response, 409, "not-responsible-authority")

    def test_may_no_longer_assess(self, api: Api, handed_over: str) -> None:
        assert_problem(api.assess(handed_over), 409, "not-responsible-authority")
