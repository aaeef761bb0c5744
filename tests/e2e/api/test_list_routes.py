"""The lists across cases: caseloads (GET /v1/cases, GET /v1/authorities/{code}/caseload),
cases by local reference, and transfers (GET /v1/transfers), their pages, their refusals,
and read-your-writes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import httpx
import pytest

from .list_support import case_ids, ids, position_of, read, walk
from .support import Api, Caller, assert_problem, decline, random_nhs_number, transfer_url

CASES = "/v1/cases"
BY_REFERENCE = "/v1/cases/by-local-reference"
TRANSFERS = "/v1/transfers"


def caseload_url(code: str) -> str:
    return f"/v1/authorities/{code}/caseload"


def close(api: Api, case_id: str, by: Caller | None = None) -> None:
    closed = api.close(case_id, by=by)
    assert closed.status_code == 200, closed.text


class TestFindingCases:
    def test_an_authority_asking_nothing_gets_its_own_open_caseload(self, api: Api) -> None:
        mine = [api.open_case()["case_id"] for _ in range(2)]
        closed = api.open_case()["case_id"]
        close(api, closed)
        api.open_case(by=api.bristol)

        body = read(api.somerset, CASES)

        assert set(ids(body["items"])) == set(mine)
        assert body["next"] is None
        assert {item["responsible_authority"]["code"] for item in body["items"]} == {"933"}

    def test_lists_a_caseload_by_responsible_authority_and_status(self, api: Api) -> None:
        still_open = api.open_case()["case_id"]
        closed = api.open_case()["case_id"]
        close(api, closed)

        open_ids = case_ids(api.somerset, CASES, responsible_authority="933", status="open")
        closed_ids = case_ids(api.somerset, CASES, responsible_authority="933", status="closed")

        assert (open_ids, closed_ids) == ({still_open}, {closed})
        assert case_ids(api.somerset, CASES, status="closed") == {closed}
        assert case_ids(api.somerset, CASES, responsible_authority="933") == {still_open}

    def test_finds_cases_by_the_authoritys_own_local_reference(self, api: Api) -> None:
        case_id = api.open_case(local_reference="SOM-42")["case_id"]
        api.open_case(local_reference="SOM-43")
        api.propose(case_id, to="801")
        recorded = api.bristol.post(
            f"{CASES}/{case_id}/local-references", json={"reference": "BRS-7"}
        )

        assert case_ids(api.somerset, BY_REFERENCE, local_reference="SOM-42") == {case_id}
        assert case_ids(api.bristol, BY_REFERENCE, local_reference="BRS-7") == {case_id}
        assert (
            read(api.bristol, BY_REFERENCE, after=recorded, local_reference="BRS-7")["next"] is None
        )

    def test_finds_any_authoritys_reference_for_the_mash_and_auditors(self, api: Api) -> None:
        case_id = api.open_case(local_reference="SOM-42")["case_id"]

        assert case_ids(api.mash, BY_REFERENCE, local_reference="SOM-42") == {case_id}
        assert case_ids(api.auditor, BY_REFERENCE, local_reference="SOM-42") == {case_id}
        assert case_ids(api.bristol, BY_REFERENCE, local_reference="SOM-42") == set()

    def test_finds_nothing_by_a_reference_nobody_recorded(self, api: Api) -> None:
        api.open_case(local_reference="SOM-42")

        assert case_ids(api.somerset, BY_REFERENCE, local_reference="SOM-99") == set()

    def test_walks_every_case_page_by_page(self, api: Api) -> None:
        opened = {api.open_case()["case_id"] for _ in range(5)}

        pages = walk(api.somerset, CASES, limit=2, responsible_authority="933")

        assert [len(page) for page in pages] == [2, 2, 1]
        assert sorted(ids([i for page in pages for i in page])) == sorted(opened)

    def test_answers_its_log_position(self, api: Api) -> None:
        opened = api.somerset.post(
            CASES, json={"local_reference": "R-1", "date_of_birth": "2019-05-04"}
        )

        response = api.somerset.get(CASES)

        assert position_of(response) >= position_of(opened) >= 1

    def test_still_looks_a_child_up_by_nhs_number(self, api: Api) -> None:
        case = api.open_case()

        response = api.mash.get(
            f"{CASES}/by-nhs-number", params={"nhs_number": case["child"]["nhs_number"]}
        )

        assert response.status_code == 200
        assert ids(response.json()["items"]) == [case["case_id"]]
        assert response.json()["next"] is None


class TestFindingCasesRefusals:
    @pytest.mark.parametrize(
        ("query", "moved_to"),
        [
            ({"nhs_number": "9434765919"}, "/v1/cases/by-nhs-number"),
            ({"local_reference": "R-1"}, "/v1/cases/by-local-reference"),
            ({"local_reference": "R-1", "status": "closed"}, "/v1/cases/by-local-reference"),
        ],
    )
    def test_refuses_a_lookup_it_no_longer_answers_naming_where_it_moved(
        self, api: Api, query: dict[str, str], moved_to: str
    ) -> None:
        response = api.somerset.get(CASES, params=query)

        assert_problem(response, 422, "lookup-moved")
        assert moved_to in response.json()["detail"]

    @pytest.mark.parametrize("caller", ["mash", "auditor"])
    def test_refuses_a_non_authority_asking_nothing(self, api: Api, caller: str) -> None:
        assert_problem(getattr(api, caller).get(CASES), 422, "query-required")

    def test_refuses_a_caller_without_a_token(self, api: Api) -> None:
        assert_problem(api.anonymous.get(CASES), 401, "unauthenticated")

    def test_refuses_another_authoritys_caseload(self, api: Api) -> None:
        response = api.bristol.get(CASES, params={"responsible_authority": "933"})

        assert_problem(response, 403, "not-own-authority")

    @pytest.mark.parametrize("query", [{"responsible_authority": "933"}, {"status": "open"}])
    def test_refuses_the_mash_a_caseload(self, api: Api, query: dict[str, str]) -> None:
        assert_problem(api.mash.get(CASES, params=query), 403, "lists-not-for-mash")

    def test_refuses_an_auditor_a_caseload_of_no_authority(self, api: Api) -> None:
        response = api.auditor.get(CASES, params={"status": "open"})

        assert_problem(response, 422, "authority-required")

    @pytest.mark.parametrize(
        ("query", "code"),
        [
            ({"status": "pending"}, "invalid-status"),
            ({"cursor": "not-a-cursor"}, "invalid-cursor"),
            ({"limit": "0"}, "invalid-limit"),
            ({"limit": "201"}, "invalid-limit"),
            ({"limit": "ten"}, "invalid-request"),
            ({"responsible_authority": "999"}, "unknown-authority"),
            ({"status": "o" * 17}, "invalid-request"),
            ({"cursor": "c" * 513}, "invalid-request"),
        ],
    )
    def test_refuses_a_malformed_query(self, api: Api, query: dict[str, str], code: str) -> None:
        assert_problem(api.somerset.get(CASES, params=query), 422, code)


class TestAnAuthoritysCaseload:
    def test_lists_the_open_cases_it_is_responsible_for(self, api: Api) -> None:
        mine = api.open_case()["case_id"]
        close(api, api.open_case()["case_id"])
        api.open_case(by=api.bristol)

        body = read(api.somerset, caseload_url("933"))

        assert body["authority"] == {"code": "933", "name": "Somerset"}
        assert ids(body["items"]) == [mine]
        assert body["next"] is None
        assert _instant(body["at"]) <= api.clock.now()

    def test_shows_a_scheduled_hand_over_from_its_effective_instant(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        transfer_id = api.propose(case_id, to="801")
        api.ready_to_accept(case_id, transfer_id, on=api.clock.today() + timedelta(days=2))
        accepted = api.accept(case_id, transfer_id)
        effective_at = accepted.json()["active_transfer"]["effective_at"]
        effective = _instant(effective_at)
        before, after = (effective - timedelta(seconds=1)).isoformat(), effective.isoformat()

        def holds(caller: Caller, code: str, at: str | None = None) -> bool:
            query = {"at": at} if at else {}
            body = read(caller, caseload_url(code), after=accepted, **query)
            return case_id in ids(body["items"])

        assert holds(api.somerset, "933") and not holds(api.bristol, "801")
        assert holds(api.somerset, "933", before) and not holds(api.bristol, "801", before)
        assert not holds(api.somerset, "933", after) and holds(api.bristol, "801", after)
        assert read(api.bristol, caseload_url("801"), at=after)["at"] == effective_at

    def test_walks_every_case_page_by_page(self, api: Api) -> None:
        opened = {api.open_case(by=api.bristol)["case_id"] for _ in range(3)}

        pages = walk(api.bristol, caseload_url("801"), limit=1)

        assert [len(page) for page in pages] == [1, 1, 1]
        assert set(ids([i for page in pages for i in page])) == opened

    def test_refuses_a_caller_without_a_token(self, api: Api) -> None:
        assert_problem(api.anonymous.get(caseload_url("933")), 401, "unauthenticated")

    @pytest.mark.parametrize(
        ("caller", "code"),
        [
            ("bristol", "not-own-authority"),
            ("mash", "lists-not-for-mash"),
            ("leeds_mash", "lists-not-for-mash"),
        ],
    )
    def test_refuses_anyone_but_the_authority_and_auditors(
        self, api: Api, caller: str, code: str
    ) -> None:
        assert_problem(getattr(api, caller).get(caseload_url("933")), 403, code)

    def test_shows_an_auditor_any_authoritys_caseload(self, api: Api) -> None:
        case_id = api.open_case(by=api.bristol)["case_id"]

        assert ids(read(api.auditor, caseload_url("801"))["items"]) == [case_id]

    @pytest.mark.parametrize(
        ("query", "code"),
        [
            ({"at": "2026-01-01T00:00:00"}, "invalid-request"),  # no offset
            ({"at": "yesterday"}, "invalid-request"),
            ({"cursor": "not-a-cursor"}, "invalid-cursor"),
            ({"limit": "0"}, "invalid-limit"),
        ],
    )
    def test_refuses_a_malformed_query(self, api: Api, query: dict[str, str], code: str) -> None:
        response = api.somerset.get(caseload_url("933"), params=query)

        assert_problem(response, 422, code)

    def test_refuses_an_unknown_authority(self, api: Api) -> None:
        assert_problem(api.auditor.get(caseload_url("999")), 422, "unknown-authority")


class TestTransferLists:
    def test_lists_a_transfer_for_both_parties_with_its_case(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        transfer_id = api.propose(case_id, to="801")

        outgoing = read(api.somerset, TRANSFERS, direction="outgoing")["items"]
        incoming = read(api.bristol, TRANSFERS, direction="incoming")["items"]

        assert outgoing == incoming
        assert [(t["case_id"], t["transfer_id"], t["stage"]) for t in outgoing] == [
            (case_id, transfer_id, "proposed")
        ]
        assert outgoing[0]["from_authority"] == {"code": "933", "name": "Somerset"}
        assert read(api.somerset, TRANSFERS, direction="incoming")["items"] == []
        assert ids(read(api.somerset, TRANSFERS)["items"], "transfer_id") == [transfer_id]

    def test_filters_by_stage(self, api: Api) -> None:
        declined_case = api.open_case()["case_id"]
        declined = api.propose(declined_case, to="801")
        assert decline(api, declined_case, declined).status_code == 200
        proposed = api.propose(api.open_case()["case_id"], to="801")

        def stage(name: str) -> list[str]:
            return ids(read(api.bristol, TRANSFERS, stage=name)["items"], "transfer_id")

        assert (stage("declined"), stage("proposed"), stage("completed")) == (
            [declined],
            [proposed],
            [],
        )

    def test_walks_every_transfer_page_by_page(self, api: Api) -> None:
        proposed = {api.propose(api.open_case()["case_id"], to="801") for _ in range(3)}

        pages = walk(api.bristol, TRANSFERS, limit=2, direction="incoming")

        assert [len(page) for page in pages] == [2, 1]
        assert set(ids([i for page in pages for i in page], "transfer_id")) == proposed

    def test_refuses_a_caller_without_a_token(self, api: Api) -> None:
        assert_problem(api.anonymous.get(TRANSFERS), 401, "unauthenticated")

    @pytest.mark.parametrize(
        ("caller", "query", "code"),
        [
            ("leeds", {"authority": "933"}, "not-own-authority"),
            ("mash", {}, "lists-not-for-mash"),
            ("mash", {"authority": "933"}, "lists-not-for-mash"),
        ],
    )
    def test_refuses_anyone_but_the_authority_and_auditors(
        self, api: Api, caller: str, query: dict[str, str], code: str
    ) -> None:
        assert_problem(getattr(api, caller).get(TRANSFERS, params=query), 403, code)

    def test_shows_an_auditor_the_transfers_of_the_authority_it_names(self, api: Api) -> None:
        transfer_id = api.propose(api.open_case()["case_id"], to="801")

        assert ids(read(api.auditor, TRANSFERS, authority="801")["items"], "transfer_id") == [
            transfer_id
        ]
        assert_problem(api.auditor.get(TRANSFERS), 422, "authority-required")

    @pytest.mark.parametrize(
        ("query", "code"),
        [
            ({"direction": "sideways"}, "invalid-direction"),
            ({"stage": "pending"}, "invalid-stage"),
            ({"cursor": "not-a-cursor"}, "invalid-cursor"),
            ({"limit": "201"}, "invalid-limit"),
            ({"stage": "s" * 17}, "invalid-request"),
            ({"authority": "999"}, "unknown-authority"),
        ],
    )
    def test_refuses_a_malformed_query(self, api: Api, query: dict[str, str], code: str) -> None:
        assert_problem(api.somerset.get(TRANSFERS, params=query), 422, code)


class TestReadingYourWrites:
    """Each kind of write is in the very next list, whose position is at least the write's."""

    def test_every_step_of_a_hand_over_is_in_the_next_list(self, api: Api) -> None:
        opened = api.somerset.post(
            CASES,
            json={
                "local_reference": "SOM-1",
                "nhs_number": random_nhs_number(),
                "date_of_birth": "2019-05-04",
            },
        )
        case_id = opened.json()["case_id"]
        assert _versions(api.somerset, opened) == {case_id: 1}
        assert _versions(api.somerset, api.assess(case_id)) == {case_id: 2}
        proposed = api.somerset.post(
            f"{CASES}/{case_id}/transfers", json={"to_authority": "801", "reason": "Moved"}
        )
        transfer_id = proposed.json()["active_transfer"]["transfer_id"]
        base = transfer_url(case_id, transfer_id)
        listed = read(api.bristol, TRANSFERS, after=proposed, direction="incoming")["items"]
        assert [(t["transfer_id"], t["stage"]) for t in listed] == [(transfer_id, "proposed")]
        assert _versions(api.somerset, proposed) == {case_id: 3}
        referenced = api.bristol.post(
            f"{CASES}/{case_id}/local-references", json={"reference": "BRS-1"}
        )
        found = read(api.bristol, BY_REFERENCE, after=referenced, local_reference="BRS-1")["items"]
        assert [(c["case_id"], c["version"]) for c in found] == [(case_id, 4)]
        tomorrow = (api.clock.today() + timedelta(days=1)).isoformat()
        date = {"date": tomorrow}
        som, brs = api.somerset, api.bristol
        steps: list[tuple[Callable[[], httpx.Response], str, object]] = [
            (lambda: api.share(case_id, transfer_id), "information_shared", True),
            (lambda: brs.post(f"{base}/information-received"), "information_received", True),
            (lambda: som.post(f"{base}/date-proposals", json=date), "proposed_date", tomorrow),
            (lambda: brs.post(f"{base}/date-agreement", json=date), "agreed_date", tomorrow),
            (lambda: api.accept(case_id, transfer_id), "stage", "accepted"),
        ]
        for send, field, value in steps:
            write = send()
            items = read(api.bristol, TRANSFERS, after=write, direction="incoming")["items"]
            assert [(t["transfer_id"], t[field]) for t in items] == [(transfer_id, value)], field
            assert _versions(api.somerset, write) == {case_id: write.json()["version"]}

    def test_a_declined_transfer_is_in_the_next_list(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        transfer_id = api.propose(case_id, to="801")

        declined = decline(api, case_id, transfer_id)

        items = read(api.somerset, TRANSFERS, after=declined, stage="declined")["items"]
        assert ids(items, "transfer_id") == [transfer_id]

    def test_a_withdrawn_transfer_is_in_the_next_list(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        transfer_id = api.propose(case_id, to="801")

        withdrawn = api.somerset.post(
            transfer_url(case_id, transfer_id, "withdrawal"), json={"reason": "Stayed"}
        )

        items = read(api.bristol, TRANSFERS, after=withdrawn, stage="withdrawn")["items"]
        assert ids(items, "transfer_id") == [transfer_id]

    def test_a_closed_case_leaves_the_caseload_in_the_next_list(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        assert case_ids(api.somerset, CASES) == {case_id}

        closed = api.close(case_id)  # and the settle margin passes

        assert ids(read(api.somerset, CASES, after=closed)["items"]) == []
        assert ids(read(api.somerset, CASES, after=closed, status="closed")["items"]) == [case_id]

    def test_a_completed_hand_over_moves_the_case_between_caseloads(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        transfer_id = api.propose(case_id, to="801")
        api.ready_to_accept(case_id, transfer_id, on=api.clock.today())

        accepted = api.accept(case_id, transfer_id)

        assert ids(read(api.somerset, caseload_url("933"), after=accepted)["items"]) == []
        assert ids(read(api.bristol, caseload_url("801"), after=accepted)["items"]) == [case_id]
        items = read(api.somerset, TRANSFERS, after=accepted, stage="completed")["items"]
        assert ids(items, "transfer_id") == [transfer_id]


def _versions(caller: Caller, write: httpx.Response) -> dict[str, int]:
    """Each case of the caller's open caseload and its version, read just after ``write``."""
    body = read(caller, CASES, after=write)
    return {item["case_id"]: item["version"] for item in body["items"]}


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)
