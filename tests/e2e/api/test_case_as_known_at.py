"""GET /v1/cases/{case_id}?as_known_at=T: the case view as the record stood at T."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .support import Api, Caller, assert_problem


def iso(instant: datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


def view(caller: Caller, case_id: str, at: datetime) -> dict[str, Any]:
    response = caller.get(f"/v1/cases/{case_id}", params={"as_known_at": iso(at)})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def moment(api: Api) -> datetime:
    """An instant after everything recorded so far and before anything recorded next."""
    instant = api.clock.now()
    api.clock.advance(seconds=1)
    return instant


class TestReplayedView:
    def test_shows_the_case_as_it_stood_before_later_steps(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        opened = moment(api)
        transfer_id = api.propose(case_id)
        proposed = moment(api)
        api.ready_to_accept(case_id, transfer_id, on=api.clock.today())

        at_opening = view(api.somerset, case_id, opened)
        at_proposal = view(api.somerset, case_id, proposed)

        assert at_opening["version"] == 1 and at_opening["active_transfer"] is None
        assert at_proposal["version"] == 2
        steps = at_proposal["active_transfer"]
        assert steps["stage"] == "proposed"
        assert not any(steps[k] for k in ("assessment_completed", "information_shared"))
        assert api.somerset.get(f"/v1/cases/{case_id}").json()["version"] > 2

    def test_works_its_derived_fields_out_at_that_moment(self, api: Api) -> None:
        """Accepted for tomorrow: as known just after acceptance, the hand-over is still
        ahead (Somerset responsible, stage accepted); two days on it has happened."""
        case_id = api.open_case()["case_id"]
        transfer_id = api.propose(case_id)
        api.ready_to_accept(case_id, transfer_id, on=api.clock.today() + timedelta(days=1))
        assert api.accept(case_id, transfer_id).status_code == 200
        accepted = moment(api)
        api.clock.advance(days=2)

        then = view(api.auditor, case_id, accepted)
        now = api.auditor.get(f"/v1/cases/{case_id}").json()

        assert then["responsible_authority"]["code"] == "933"
        assert then["active_transfer"]["stage"] == "accepted"
        assert now["responsible_authority"]["code"] == "801"
        assert now["active_transfer"] is None and now["version"] == then["version"]

    def test_a_moment_after_now_shows_the_case_now(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        api.propose(case_id)

        later = view(api.mash, case_id, api.clock.now() + timedelta(days=30))

        assert later == api.mash.get(f"/v1/cases/{case_id}").json()

    def test_has_no_etag_as_it_is_no_version_to_act_on(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        opened = moment(api)

        replayed = api.somerset.get(f"/v1/cases/{case_id}", params={"as_known_at": iso(opened)})

        assert "ETag" not in replayed.headers
        assert api.somerset.get(f"/v1/cases/{case_id}").headers["ETag"] == '"1"'


class TestRefusals:
    def test_a_case_not_yet_opened_then_is_not_found(self, api: Api) -> None:
        before = moment(api)
        case_id = api.open_case()["case_id"]

        response = api.somerset.get(f"/v1/cases/{case_id}", params={"as_known_at": iso(before)})

        assert_problem(response, 404, "case-not-found")

    def test_a_case_an_authority_may_not_see_stays_hidden_at_any_moment(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        opened = moment(api)

        response = api.leeds.get(f"/v1/cases/{case_id}", params={"as_known_at": iso(opened)})

        assert_problem(response, 404, "case-not-found")

    def test_a_moment_without_an_offset_is_refused(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]

        response = api.somerset.get(
            f"/v1/cases/{case_id}", params={"as_known_at": "2026-11-26T09:00:00"}
        )

        assert_problem(response, 422, "invalid-request")
