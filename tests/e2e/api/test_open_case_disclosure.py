"""A council that tries to open a case for a child another council holds is told whom to
contact, and the telling is recorded before the answer: a deliberate disclosure, not a
leak. The refusal names the responsible authority (code and name) and nothing else."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from service.asgi import create_app
from service.settings import Settings

from .support import Api, Clock, assert_problem, complete_transfer, random_nhs_number
from .test_access_log_routes import access_log_locked, reads_of

DISCLOSED = "POST /v1/cases (disclosed by child-has-open-case)"
PROBLEM_MEMBERS = {"type", "title", "status", "detail", "code", "request_id"}


def opening(nhs_number: str, reference: str = "LEEDS-1") -> dict[str, Any]:
    return {"local_reference": reference, "nhs_number": nhs_number, "date_of_birth": "2019-05-04"}


class TestTheRefusal:
    def test_names_the_authority_responsible_for_the_open_case(self, api: Api) -> None:
        nhs = random_nhs_number()
        api.open_case(nhs_number=nhs)

        refused = api.leeds.post("/v1/cases", json=opening(nhs))

        body = assert_problem(refused, 409, "child-has-open-case")
        assert body["responsible_authority"] == {"code": "933", "name": "Somerset"}
        assert "Somerset (933)" in body["detail"]

    def test_names_nothing_else_about_the_case(self, api: Api) -> None:
        nhs = random_nhs_number()
        held = api.open_case(nhs_number=nhs, local_reference="SOM-SECRET-9")

        refused = api.leeds.post("/v1/cases", json=opening(nhs))

        assert set(refused.json()) == PROBLEM_MEMBERS | {"responsible_authority"}
        for secret in (held["case_id"], "SOM-SECRET-9", nhs, "2019-05-04"):
            assert secret not in refused.text

    def test_names_the_new_authority_once_responsibility_has_passed(self, api: Api) -> None:
        nhs = random_nhs_number()
        case_id = api.open_case(nhs_number=nhs)["case_id"]
        complete_transfer(api, case_id)

        refused = api.leeds.post("/v1/cases", json=opening(nhs))

        body = assert_problem(refused, 409, "child-has-open-case")
        assert body["responsible_authority"]["code"] == "801"


class TestTheDisclosureIsRecorded:
    def test_in_the_access_log_with_the_caller_before_the_answer(self, api: Api) -> None:
        nhs = random_nhs_number()
        case_id = api.open_case(nhs_number=nhs)["case_id"]

        assert api.leeds.post("/v1/cases", json=opening(nhs)).status_code == 409

        [entry] = reads_of(api, case_id)
        assert entry["principal"] == {
            "name": "Leeds case system",
            "role": "authority",
            "authority": "383",
        }
        assert entry["route"] == DISCLOSED

    def test_the_responsible_authority_sees_who_was_told(self, api: Api) -> None:
        nhs = random_nhs_number()
        case_id = api.open_case(nhs_number=nhs)["case_id"]
        api.leeds.post("/v1/cases", json=opening(nhs))

        listed = api.somerset.get(f"/v1/access-log?case_id={case_id}")

        assert [e["principal"]["name"] for e in listed.json()["items"]] == ["Leeds case system"]

    def test_a_party_told_of_its_own_case_is_not_recorded(self, api: Api) -> None:
        nhs = random_nhs_number()
        case_id = api.open_case(nhs_number=nhs)["case_id"]

        refused = api.somerset.post("/v1/cases", json=opening(nhs, "SOM-2"))

        assert assert_problem(refused, 409, "child-has-open-case")["responsible_authority"] == {
            "code": "933",
            "name": "Somerset",
        }
        assert reads_of(api, case_id) == []

    def test_each_refusal_is_recorded_again(self, api: Api) -> None:
        nhs = random_nhs_number()
        case_id = api.open_case(nhs_number=nhs)["case_id"]

        for _ in range(2):
            api.leeds.post("/v1/cases", json=opening(nhs))

        assert [e["route"] for e in reads_of(api, case_id)] == [DISCLOSED, DISCLOSED]

    def test_a_disclosure_that_cannot_be_recorded_is_not_made(
        self, settings: Settings, clock: Clock, principals: Any, database_url: str
    ) -> None:
        impatient = settings.model_copy(update={"store_timeout_seconds": 2})
        with TestClient(create_app(impatient, clock=clock.now)) as client:
            api = Api(client, principals[1], clock)
            nhs = random_nhs_number()
            case_id = api.open_case(nhs_number=nhs)["case_id"]
            with access_log_locked(database_url):
                refused = api.leeds.post("/v1/cases", json=opening(nhs))

            assert_problem(refused, 503, "store-unavailable")
            assert "responsible_authority" not in refused.json()
            assert "Somerset" not in refused.text
            assert reads_of(api, case_id) == []
