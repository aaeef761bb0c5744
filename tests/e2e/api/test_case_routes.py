"""Routes that open a case, list the authorities and find a case: /v1/cases, /v1/authorities."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from service.adapters.keys import DEVELOPMENT_INDEX_KEY
from service.domain.child_index import ChildIndex

from .support import Api, Caller, assert_problem, random_nhs_number


def open_body(**overrides: Any) -> dict[str, Any]:
    return {
        "local_reference": f"REF-{uuid4().hex[:8]}",
        "nhs_number": random_nhs_number(),
        "date_of_birth": "2019-05-04",
        **overrides,
    }


def spaced(nhs_number: str) -> str:
    """The same number written as 3-3-4 groups, as people type it."""
    return f"{nhs_number[:3]} {nhs_number[3:6]} {nhs_number[6:]}"


def invalid_nhs_number() -> str:
    """A well-formed ten-digit number whose check digit is wrong."""
    valid = random_nhs_number()
    return valid[:9] + str((int(valid[9]) + 1) % 10)


class TestOpeningACase:
    def test_answers_201_with_location_and_etag(self, api: Api) -> None:
        response = api.somerset.post("/v1/cases", json=open_body())

        assert response.status_code == 201, response.text
        case_id = response.json()["case_id"]
        assert response.headers["Location"] == f"/v1/cases/{case_id}"
        assert response.headers["ETag"] == '"1"'

    def test_answers_with_the_contract_fields_of_a_case_view(self, api: Api) -> None:
        nhs_number = random_nhs_number()
        body = open_body(nhs_number=nhs_number, local_reference="SOM-1")

        view = api.somerset.post("/v1/cases", json=body).json()

        assert view["version"] == 1
        assert view["status"] == "open"
        assert view["responsible_authority"] == {"code": "933", "name": "Somerset"}
        assert view["active_transfer"] is None
        assert view["transfers"] == [] and view["assessments"] == []
        assert view["child"] == {
            "nhs_number": nhs_number,
            "date_of_birth": "2019-05-04",
            "expected_date_of_birth": None,
        }
        assert view["local_references"] == [
            {"authority": {"code": "933", "name": "Somerset"}, "reference": "SOM-1"}
        ]
        assert view["responsible_since"] == view["opened_at"]
        assert view["closed_at"] is None

    def test_the_location_answers_the_same_view(self, api: Api) -> None:
        created = api.somerset.post("/v1/cases", json=open_body())

        fetched = api.somerset.get(created.headers["Location"])

        assert fetched.status_code == 200
        assert fetched.json() == created.json()

    def test_opens_a_case_for_an_unborn_child_with_no_nhs_number(self, api: Api) -> None:
        expected = api.clock.today() + timedelta(days=60)
        body = open_body(
            nhs_number=None, date_of_birth=None, expected_date_of_birth=expected.isoformat()
        )

        response = api.somerset.post("/v1/cases", json=body)

        assert response.status_code == 201, response.text
        assert response.json()["child"] == {
            "nhs_number": None,
            "date_of_birth": None,
            "expected_date_of_birth": expected.isoformat(),
        }

    def test_stores_an_nhs_number_written_with_spaces_as_ten_digits(self, api: Api) -> None:
        nhs_number = random_nhs_number()

        view = api.somerset.post("/v1/cases", json=open_body(nhs_number=spaced(nhs_number))).json()

        assert view["child"]["nhs_number"] == nhs_number

    def test_accepts_a_local_reference_of_exactly_64_characters(self, api: Api) -> None:
        response = api.somerset.post("/v1/cases", json=open_body(local_reference="R" * 64))

        assert response.status_code == 201, response.text


class TestOpeningRefusesMalformedInput:
    def test_refuses_an_nhs_number_failing_its_check_digit(self, api: Api) -> None:
        response = api.somerset.post("/v1/cases", json=open_body(nhs_number=invalid_nhs_number()))

        assert_problem(response, 422, "invalid-nhs-number")

    def test_refuses_an_nhs_number_that_is_not_ten_digits(self, api: Api) -> None:
        response = api.somerset.post("/v1/cases", json=open_body(nhs_number="12345"))

        assert_problem(response, 422, "invalid-nhs-number")

    def test_refuses_neither_date_of_birth_nor_expected_date(self, api: Api) -> None:
        response = api.somerset.post("/v1/cases", json=open_body(date_of_birth=None))

        assert_problem(response, 422, "birth-date-required")

    def test_refuses_both_date_of_birth_and_expected_date(self, api: Api) -> None:
        soon = (api.clock.today() + timedelta(days=30)).isoformat()

        response = api.somerset.post("/v1/cases", json=open_body(expected_date_of_birth=soon))

        assert_problem(response, 422, "birth-date-required")

    def test_refuses_a_date_of_birth_in_the_future(self, api: Api) -> None:
        tomorrow = (api.clock.today() + timedelta(days=1)).isoformat()

        response = api.somerset.post("/v1/cases", json=open_body(date_of_birth=tomorrow))

        assert_problem(response, 422, "date-in-future")

    def test_refuses_an_expected_date_of_birth_years_away(self, api: Api) -> None:
        far = (api.clock.today() + timedelta(days=800)).isoformat()
        body = open_body(nhs_number=None, date_of_birth=None, expected_date_of_birth=far)

        response = api.somerset.post("/v1/cases", json=body)

        assert_problem(response, 422, "implausible-expected-date-of-birth")

    def test_refuses_a_local_reference_over_64_characters(self, api: Api) -> None:
        response = api.somerset.post("/v1/cases", json=open_body(local_reference="R" * 65))

        problem = assert_problem(response, 422, "invalid-request")
        assert problem["errors"][0]["loc"] == ["body", "local_reference"]

    def test_refuses_a_missing_local_reference(self, api: Api) -> None:
        body = open_body()
        del body["local_reference"]

        response = api.somerset.post("/v1/cases", json=body)

        problem = assert_problem(response, 422, "invalid-request")
        assert problem["errors"][0]["loc"] == ["body", "local_reference"]

    def test_refuses_a_blank_local_reference(self, api: Api) -> None:
        response = api.somerset.post("/v1/cases", json=open_body(local_reference="   "))

        assert_problem(response, 422, "text-required")

    def test_refuses_unknown_fields(self, api: Api) -> None:
        response = api.somerset.post("/v1/cases", json=open_body(level_of_need="2"))

        problem = assert_problem(response, 422, "invalid-request")
        assert problem["errors"][0]["loc"] == ["body", "level_of_need"]

    def test_refuses_a_malformed_date(self, api: Api) -> None:
        response = api.somerset.post("/v1/cases", json=open_body(date_of_birth="2019-13-40"))

        assert_problem(response, 422, "invalid-request")

    def test_refuses_malformed_json(self, api: Api) -> None:
        response = api.somerset.post(
            "/v1/cases",
            content=b'{"local_reference": ',
            headers={"Content-Type": "application/json"},
        )

        assert_problem(response, 422, "invalid-request")

    def test_never_echoes_the_nhs_number_in_a_problem(self, api: Api) -> None:
        nhs_number = invalid_nhs_number()

        response = api.somerset.post("/v1/cases", json=open_body(nhs_number=nhs_number))

        assert_problem(response, 422, "invalid-nhs-number")
        assert nhs_number not in response.text


class TestOneOpenCasePerChild:
    def test_refuses_another_authority_a_second_open_case(self, api: Api) -> None:
        nhs_number = random_nhs_number()
        api.open_case(nhs_number=nhs_number)

        response = api.bristol.post("/v1/cases", json=open_body(nhs_number=nhs_number))

        assert_problem(response, 409, "child-has-open-case")

    def test_refuses_the_same_number_written_with_spaces(self, api: Api) -> None:
        nhs_number = random_nhs_number()
        api.open_case(nhs_number=nhs_number)

        response = api.bristol.post("/v1/cases", json=open_body(nhs_number=spaced(nhs_number)))

        assert_problem(response, 409, "child-has-open-case")

    def test_allows_a_new_case_once_the_first_is_closed(self, api: Api) -> None:
        nhs_number = random_nhs_number()
        first = api.open_case(nhs_number=nhs_number)
        closed = api.somerset.post(
            f"/v1/cases/{first['case_id']}/closure", json={"reason_code": "RC7"}
        )
        assert closed.status_code == 200, closed.text

        response = api.bristol.post("/v1/cases", json=open_body(nhs_number=nhs_number))

        assert response.status_code == 201, response.text
        assert response.json()["case_id"] != first["case_id"]
        assert response.json()["responsible_authority"]["code"] == "801"

    def test_unborn_children_without_nhs_numbers_do_not_collide(self, api: Api) -> None:
        expected = (api.clock.today() + timedelta(days=90)).isoformat()
        body: dict[str, Any] = {
            "nhs_number": None,
            "date_of_birth": None,
            "expected_date_of_birth": expected,
        }
        api.open_case(**body)

        response = api.bristol.post("/v1/cases", json=open_body(**body))

        assert response.status_code == 201, response.text


class TestOpeningNeedsAnAuthority:
    @pytest.mark.parametrize("caller", ["mash", "auditor"])
    def test_refuses_a_reading_role(self, api: Api, caller: str) -> None:
        response = getattr(api, caller).post("/v1/cases", json=open_body())

        assert_problem(response, 403, "role-not-permitted")

    def test_refuses_a_request_without_a_token(self, api: Api) -> None:
        response = api.anonymous.post("/v1/cases", json=open_body())

        assert_problem(response, 401, "unauthenticated")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")

    def test_refuses_an_unknown_token(self, api: Api) -> None:
        stranger = Caller(api.client, "not-a-real-token")

        response = stranger.post("/v1/cases", json=open_body())

        assert_problem(response, 401, "unauthenticated")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")

    def test_refuses_a_token_under_another_scheme(self, api: Api) -> None:
        response = api.client.post(
            "/v1/cases", json=open_body(), headers={"Authorization": "Basic c29tZXJzZXQ6eA=="}
        )

        assert_problem(response, 401, "unauthenticated")


class TestAuthorityRegistry:
    def test_lists_every_english_authority(self, api: Api) -> None:
        response = api.mash.get("/v1/authorities")

        assert response.status_code == 200
        items = response.json()["items"]
        assert len(items) == 153
        assert len({item["code"] for item in items}) == 153

    def test_names_somerset_with_its_codes_and_region(self, api: Api) -> None:
        items = api.auditor.get("/v1/authorities").json()["items"]

        somerset = next(item for item in items if item["code"] == "933")
        assert somerset["name"] == "Somerset"
        assert somerset["gss_code"] == "E06000066"
        assert somerset["region"] == "South West"

    def test_refuses_a_request_without_a_token(self, api: Api) -> None:
        response = api.anonymous.get("/v1/authorities")

        assert_problem(response, 401, "unauthenticated")


class TestLookingAChildUp:
    @pytest.mark.parametrize("caller", ["somerset", "mash", "leeds_mash", "auditor"])
    def test_finds_the_case_for_those_who_may_see_it(self, api: Api, caller: str) -> None:
        nhs_number = random_nhs_number()
        case = api.open_case(nhs_number=nhs_number)

        response = getattr(api, caller).get(
            "/v1/cases/by-nhs-number", params={"nhs_number": nhs_number}
        )

        assert response.status_code == 200, response.text
        assert [c["case_id"] for c in response.json()["items"]] == [case["case_id"]]
        assert response.json()["next"] is None

    def test_finds_the_case_for_the_receiving_side_of_a_transfer(self, api: Api) -> None:
        nhs_number = random_nhs_number()
        case = api.open_case(nhs_number=nhs_number)
        api.propose(case["case_id"], to="801")

        items = api.bristol.get(
            "/v1/cases/by-nhs-number", params={"nhs_number": nhs_number}
        ).json()["items"]

        assert [c["case_id"] for c in items] == [case["case_id"]]

    def test_gives_an_unrelated_authority_an_empty_list(self, api: Api) -> None:
        nhs_number = random_nhs_number()
        api.open_case(nhs_number=nhs_number)

        response = api.leeds.get("/v1/cases/by-nhs-number", params={"nhs_number": nhs_number})

        assert response.status_code == 200
        assert response.json()["items"] == []

    def test_gives_an_empty_list_for_a_child_with_no_case(self, api: Api) -> None:
        response = api.mash.get(
            "/v1/cases/by-nhs-number", params={"nhs_number": random_nhs_number()}
        )

        assert response.status_code == 200
        assert response.json()["items"] == []

    def test_finds_the_case_by_a_number_written_with_spaces(self, api: Api) -> None:
        nhs_number = random_nhs_number()
        case = api.open_case(nhs_number=nhs_number)

        response = api.mash.get(
            "/v1/cases/by-nhs-number", params={"nhs_number": spaced(nhs_number)}
        )

        assert [c["case_id"] for c in response.json()["items"]] == [case["case_id"]]

    def test_lists_the_childs_cases_newest_first(self, api: Api) -> None:
        nhs_number = random_nhs_number()
        first = api.open_case(nhs_number=nhs_number)
        api.somerset.post(f"/v1/cases/{first['case_id']}/closure", json={"reason_code": "RC7"})
        second = api.open_case(by=api.bristol, nhs_number=nhs_number)

        items = api.auditor.get(
            "/v1/cases/by-nhs-number", params={"nhs_number": nhs_number}
        ).json()["items"]

        assert [(c["case_id"], c["status"]) for c in items] == [
            (second["case_id"], "open"),
            (first["case_id"], "closed"),
        ]

    def test_lists_only_the_cases_the_authority_is_party_to(self, api: Api) -> None:
        nhs_number = random_nhs_number()
        first = api.open_case(nhs_number=nhs_number)
        api.somerset.post(f"/v1/cases/{first['case_id']}/closure", json={"reason_code": "RC7"})
        api.open_case(by=api.bristol, nhs_number=nhs_number)

        items = api.somerset.get(
            "/v1/cases/by-nhs-number", params={"nhs_number": nhs_number}
        ).json()["items"]

        assert [c["case_id"] for c in items] == [first["case_id"]]

    def test_refuses_an_invalid_nhs_number(self, api: Api) -> None:
        response = api.mash.get(
            "/v1/cases/by-nhs-number", params={"nhs_number": invalid_nhs_number()}
        )

        assert_problem(response, 422, "invalid-nhs-number")

    def test_refuses_an_over_long_nhs_number(self, api: Api) -> None:
        response = api.mash.get("/v1/cases/by-nhs-number", params={"nhs_number": "1" * 13})

        assert_problem(response, 422, "invalid-request")

    def test_refuses_a_lookup_without_a_query(self, api: Api) -> None:
        response = api.mash.get("/v1/cases")

        assert_problem(response, 422, "query-required")

    def test_refuses_a_request_without_a_token(self, api: Api) -> None:
        response = api.anonymous.get(
            "/v1/cases/by-nhs-number", params={"nhs_number": random_nhs_number()}
        )

        assert_problem(response, 401, "unauthenticated")


class TestReadingACase:
    def test_answers_the_view_with_its_version_as_etag(self, api: Api) -> None:
        case = api.open_case()
        api.propose(case["case_id"])

        response = api.somerset.get(f"/v1/cases/{case['case_id']}")

        assert response.status_code == 200
        assert response.json()["version"] == 2
        assert response.headers["ETag"] == '"2"'

    def test_answers_404_for_an_unknown_case(self, api: Api) -> None:
        response = api.somerset.get(f"/v1/cases/{uuid4()}")

        assert_problem(response, 404, "case-not-found")

    def test_answers_404_for_a_malformed_case_id(self, api: Api) -> None:
        response = api.somerset.get("/v1/cases/not-a-case-id")

        assert_problem(response, 404, "case-not-found")

    def test_answers_404_for_the_id_of_a_record_that_is_not_a_case(self, api: Api) -> None:
        nhs_number = random_nhs_number()
        api.open_case(nhs_number=nhs_number)

        response = api.auditor.get(
            f"/v1/cases/{ChildIndex.id_for(nhs_number, DEVELOPMENT_INDEX_KEY)}"
        )

        assert_problem(response, 404, "case-not-found")
