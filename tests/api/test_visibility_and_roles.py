"""Who may see a case and who may change it, route by route.

To an authority that is not a party a case does not exist (404, never 403); MASH and
auditor tokens read but never write (403); the MASH may not read the full history.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import pytest

from .support import Api, Caller, assert_problem, complete_transfer, decline


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # relative to /v1/cases/{case_id}; {transfer} is the transfer's id
    body: dict[str, Any] | None = None

    def __str__(self) -> str:
        return f"{self.method} {self.path or '/'}"

    def call(self, caller: Caller, api: Api, case_id: str, transfer_id: str) -> Any:
        url = f"/v1/cases/{case_id}{self.path.format(transfer=transfer_id)}"
        if self.method == "GET":
            return caller.get(url)
        today = api.clock.today().isoformat()
        body = _dated(self.body, today) if self.body is not None else None
        return caller.post(url, json=body)


def _dated(value: Any, today: str) -> Any:
    """The body with every "TODAY" replaced by today's date."""
    if isinstance(value, dict):
        return {k: _dated(v, today) for k, v in value.items()}
    return today if value == "TODAY" else value


READS = [
    Route("GET", ""),
    Route("GET", "/responsibility"),
    Route("GET", "/timeline"),
    Route("GET", "/history"),
    Route("GET", "/transfers/{transfer}"),
]
WRITES = [
    Route("POST", "/local-references", {"reference": "REF-1"}),
    Route(
        "POST",
        "/assessments",
        {"completed_on": "TODAY", "factors": ["21"], "primary_need_code": "N9", "summary": "S"},
    ),
    Route("POST", "/closure", {"reason_code": "RC8"}),
    Route("POST", "/transfers", {"to_authority": "383", "reason": "Family moved"}),
    Route(
        "POST",
        "/transfers/{transfer}/information-shared",
        {"categories": ["a"], "shared_on": "TODAY"},
    ),
    Route("POST", "/transfers/{transfer}/information-received"),
    Route("POST", "/transfers/{transfer}/date-proposals", {"date": "TODAY"}),
    Route("POST", "/transfers/{transfer}/date-agreement", {"date": "TODAY"}),
    Route("POST", "/transfers/{transfer}/acceptance"),
    Route("POST", "/transfers/{transfer}/decline", {"reason": "No"}),
    Route("POST", "/transfers/{transfer}/withdrawal", {"reason": "No"}),
]
MASH_READS = [(route, 403 if route.path == "/history" else 200) for route in READS]


@pytest.fixture
def mid_transfer(api: Api) -> tuple[str, str]:
    """A Somerset case whose transfer to Bristol has been proposed: (case_id, transfer_id)."""
    case_id: str = api.open_case()["case_id"]
    return case_id, api.propose(case_id, to="801")


class TestAnUnrelatedAuthority:
    @pytest.mark.parametrize("route", READS + WRITES, ids=str)
    def test_gets_404_on_every_case_route(
        self, api: Api, mid_transfer: tuple[str, str], route: Route
    ) -> None:
        response = route.call(api.leeds, api, *mid_transfer)

        assert_problem(response, 404, "case-not-found")

    def test_sees_the_same_answer_as_for_a_case_that_does_not_exist(
        self, api: Api, mid_transfer: tuple[str, str]
    ) -> None:
        hidden = api.leeds.get(f"/v1/cases/{mid_transfer[0]}")
        missing = api.leeds.get(f"/v1/cases/{uuid4()}")

        assert hidden.status_code == missing.status_code == 404
        assert hidden.json() == missing.json()

    def test_finds_nothing_by_nhs_number(self, api: Api) -> None:
        case = api.open_case()
        api.propose(case["case_id"], to="801")

        response = api.leeds.get("/v1/cases", params={"nhs_number": case["child"]["nhs_number"]})

        assert response.json()["items"] == []

    def test_becomes_a_party_as_the_other_side_of_a_declined_transfer(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        transfer_id = api.propose(case_id, to="383")
        assert decline(api, case_id, transfer_id, by=api.leeds).status_code == 200

        response = api.leeds.get(f"/v1/cases/{case_id}/history")

        assert response.status_code == 200, response.text


class TestReadingRoles:
    @pytest.mark.parametrize("route", WRITES, ids=str)
    def test_are_refused_every_change(
        self, api: Api, mid_transfer: tuple[str, str], route: Route
    ) -> None:
        for caller in ("mash", "leeds_mash", "auditor"):
            response = route.call(getattr(api, caller), api, *mid_transfer)

            assert response.status_code == 403, (caller, response.text)
            assert_problem(response, 403, "role-not-permitted")

    @pytest.mark.parametrize(("route", "status"), MASH_READS, ids=str)
    def test_the_mash_reads_all_but_the_history(
        self, api: Api, mid_transfer: tuple[str, str], route: Route, status: int
    ) -> None:
        for caller in ("mash", "leeds_mash"):
            response = route.call(getattr(api, caller), api, *mid_transfer)

            assert response.status_code == status, (caller, response.text)
            if status != 200:
                assert_problem(response, status, "role-not-permitted")

    @pytest.mark.parametrize("route", READS, ids=str)
    def test_the_auditor_reads_everything(
        self, api: Api, mid_transfer: tuple[str, str], route: Route
    ) -> None:
        response = route.call(api.auditor, api, *mid_transfer)

        assert response.status_code == 200, response.text


class TestTheParties:
    @pytest.mark.parametrize("route", READS, ids=str)
    def test_read_everything(self, api: Api, mid_transfer: tuple[str, str], route: Route) -> None:
        for caller in ("somerset", "bristol"):
            response = route.call(getattr(api, caller), api, *mid_transfer)

            assert response.status_code == 200, (caller, response.text)


class TestAnonymousCallers:
    @pytest.mark.parametrize("route", READS + WRITES, ids=str)
    def test_get_401_on_every_case_route(
        self, api: Api, mid_transfer: tuple[str, str], route: Route
    ) -> None:
        for caller in (api.anonymous, Caller(api.client, "not-a-real-token")):
            response = route.call(caller, api, *mid_transfer)

            assert_problem(response, 401, "unauthenticated")
            assert response.headers["WWW-Authenticate"].startswith("Bearer")

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

        items = api.somerset.get("/v1/cases", params={"nhs_number": nhs_number}).json()["items"]

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
