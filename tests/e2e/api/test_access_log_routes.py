"""Who looked: every read of a case by a MASH or auditor principal is recorded before the
answer is sent, and GET /v1/access-log lists the reads."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from service.asgi import create_app
from service.settings import Settings

from .support import Api, Caller, Clock, assert_problem

READS = [  # the route template recorded, and the URL read (filled from the case)
    ("GET /v1/cases/{case_id}", "/v1/cases/{case}"),
    ("GET /v1/cases/{case_id}", "/v1/cases/{case}?as_known_at={now}"),
    ("GET /v1/cases/{case_id}/responsibility", "/v1/cases/{case}/responsibility"),
    ("GET /v1/cases/{case_id}/timeline", "/v1/cases/{case}/timeline"),
    ("GET /v1/cases/{case_id}/transfers/{transfer_id}", "/v1/cases/{case}/transfers/{transfer}"),
    ("GET /v1/cases/by-nhs-number", "/v1/cases/by-nhs-number?nhs_number={nhs}"),
    (
        "GET /v1/cases/by-local-reference",
        "/v1/cases/by-local-reference?local_reference={ref}",
    ),
]


def case_with_transfer(api: Api) -> dict[str, str]:
    case = api.open_case()
    return {
        "case": case["case_id"],
        "transfer": api.propose(case["case_id"]),
        "nhs": case["child"]["nhs_number"],
        "ref": case["local_references"][0]["reference"],
        "now": api.clock.now().isoformat().replace("+00:00", "Z"),
    }


def reads_of(api: Api, case_id: str) -> list[dict[str, Any]]:
    response = api.auditor.get(f"/v1/access-log?case_id={case_id}")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


class TestRecording:
    @pytest.mark.parametrize(("route", "url"), READS, ids=[url for _, url in READS])
    @pytest.mark.parametrize("who", ["mash", "auditor"])
    def test_a_mash_or_auditor_read_is_recorded_with_its_route(
        self, api: Api, who: str, route: str, url: str
    ) -> None:
        ids = case_with_transfer(api)
        caller: Caller = getattr(api, who)

        assert caller.get(url.format(**ids)).status_code == 200
        [read] = reads_of(api, ids["case"])

        assert read["route"] == route and read["case_id"] == ids["case"]
        assert (
            read["principal"]
            == {
                "mash": {"name": "Somerset MASH", "role": "mash", "authority": "933"},
                "auditor": {"name": "Auditor", "role": "auditor", "authority": None},
            }[who]
        )
        assert read["recorded_at"].startswith(api.clock.now().isoformat()[:10])

    def test_an_auditor_reading_the_history_is_recorded_in_json_and_csv(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]

        api.auditor.get(f"/v1/cases/{case_id}/history")
        api.auditor.get(f"/v1/cases/{case_id}/history", headers={"Accept": "text/csv"})

        assert [r["route"] for r in reads_of(api, case_id)] == [
            "GET /v1/cases/{case_id}/history"
        ] * 2

    def test_the_case_authorities_own_reads_are_not_recorded(self, api: Api) -> None:
        ids = case_with_transfer(api)
        for caller in (api.somerset, api.bristol):
            for _, url in READS:
                assert caller.get(url.format(**ids)).status_code == 200
            assert caller.get(f"/v1/cases/{ids['case']}/history").status_code == 200

        assert reads_of(api, ids["case"]) == []

    def test_a_refused_read_is_not_recorded(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]

        assert api.mash.get(f"/v1/cases/{case_id}/history").status_code == 403

        assert reads_of(api, case_id) == []

    def test_a_read_that_cannot_be_recorded_is_refused_and_not_served(
        self, settings: Settings, clock: Clock, principals: Any, database_url: str
    ) -> None:
        impatient = settings.model_copy(update={"store_timeout_seconds": 2})
        with TestClient(create_app(impatient, clock=clock.now)) as client:
            api = Api(client, principals[1], clock)
            case_id = api.open_case()["case_id"]
            with access_log_locked(database_url):
                refused = api.mash.get(f"/v1/cases/{case_id}")
            served = api.mash.get(f"/v1/cases/{case_id}")

            assert_problem(refused, 503, "store-unavailable")
            assert refused.headers["Retry-After"]
            assert "child" not in refused.json()
            assert served.status_code == 200
            assert len(reads_of(api, case_id)) == 1


class TestListing:
    def test_lists_newest_first_and_pages_by_cursor(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        for path in ("", "/timeline", "/responsibility"):
            api.mash.get(f"/v1/cases/{case_id}{path}")

        first = api.auditor.get(f"/v1/access-log?case_id={case_id}&limit=2").json()
        second = api.auditor.get(
            f"/v1/access-log?case_id={case_id}&limit=2&cursor={first['next']}"
        ).json()

        assert [r["route"] for r in first["items"] + second["items"]] == [
            "GET /v1/cases/{case_id}/responsibility",
            "GET /v1/cases/{case_id}/timeline",
            "GET /v1/cases/{case_id}",
        ]
        assert second["next"] is None

    def test_an_auditor_lists_one_principal_s_reads(self, api: Api) -> None:
        one, two = api.open_case()["case_id"], api.open_case()["case_id"]
        api.leeds_mash.get(f"/v1/cases/{one}")
        api.leeds_mash.get(f"/v1/cases/{two}")
        api.mash.get(f"/v1/cases/{one}")

        items = api.auditor.get("/v1/access-log?principal=Leeds MASH").json()["items"]

        assert [r["case_id"] for r in items] == [two, one]

    def test_a_party_lists_who_outside_read_its_case(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        api.propose(case_id)
        api.leeds_mash.get(f"/v1/cases/{case_id}")

        for party in (api.somerset, api.bristol):
            items = party.get(f"/v1/access-log?case_id={case_id}").json()["items"]
            assert [r["principal"]["name"] for r in items] == ["Leeds MASH"]

    def test_a_party_may_not_list_by_principal(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]

        response = api.somerset.get(f"/v1/access-log?case_id={case_id}&principal=Somerset MASH")

        assert_problem(response, 403, "access-log-for-auditors")

    def test_to_an_authority_outside_the_case_it_does_not_exist(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]

        assert_problem(api.leeds.get(f"/v1/access-log?case_id={case_id}"), 404, "case-not-found")

    @pytest.mark.parametrize(
        ("query", "code"),
        [
            ("?limit=0", "invalid-limit"),
            ("?limit=201", "invalid-limit"),
            ("?cursor=not-a-cursor", "invalid-cursor"),
            ("?principal=Somerset%00MASH", "control-characters"),
            ("?case_id=not-a-case", "invalid-request"),
        ],
    )
    def test_refuses_a_bad_query(self, api: Api, query: str, code: str) -> None:
        assert_problem(api.auditor.get(f"/v1/access-log{query}"), 422, code)


@contextmanager
def access_log_locked(database_url: str) -> Iterator[None]:
    """Another session holds a lock that keeps the service from writing to access_log."""
    parts = urlsplit(database_url)
    if parts.scheme == "sqlite":
        path = Path(database_url.removeprefix("sqlite:///"))
        connection = sqlite3.connect(path, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            yield
            connection.execute("ROLLBACK")
        finally:
            connection.close()
        return
    import psycopg

    schema = parse_qs(parts.query)["schema"][0]
    base = database_url.split("?")[0]
    with psycopg.connect(base) as session:
        session.execute(f'LOCK TABLE "{schema}".access_log IN ACCESS EXCLUSIVE MODE')
        yield
        session.rollback()
