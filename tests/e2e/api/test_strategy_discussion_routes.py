"""Strategy discussions over HTTP, on both stores: rules 11 to 13 and each refusal."""

from __future__ import annotations

from .decision_support import (
    EVERYONE,
    INVITED,
    circulate,
    convene,
    discussions_url,
    dissent,
    dissent_id_of,
    hold,
    iso,
    minuted,
)
from .support import Api, assert_problem


class TestConvening:
    def test_convened_with_location_and_a_view_of_who_is_missing(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        response = convene(api, case_id, invited=INVITED[:2])
        assert response.status_code == 201, response.text
        view = response.json()
        assert response.headers["Location"] == discussions_url(case_id, view["discussion_id"])
        assert view["missing_agencies"] == ["gp"]
        assert view["outcome"] is None and view["disputed"] is False
        assert view["responsible_authority"]["code"] == "933"

    def test_only_the_responsible_authority_convenes(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        api.propose(case_id, to="801")
        assert_problem(convene(api, case_id, by=api.bristol), 409, "not-responsible-authority")

    def test_a_malformed_invitation_is_422(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        twice = [INVITED[0], INVITED[0]]
        assert_problem(convene(api, case_id, invited=twice), 422, "agency-invited-twice")
        assert_problem(convene(api, case_id, mode="letter"), 422, "invalid-request")


class TestOutcomeAndMinutes:
    def test_outcome_minutes_and_acknowledgement_show_in_fields(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        discussion_id = convene(api, case_id).json()["discussion_id"]
        held = hold(api, case_id, discussion_id, follow_up_on=api.clock.today().isoformat())
        assert held.status_code == 200, held.text
        outcome = held.json()["outcome"]
        assert outcome["outcome"] == "section-47-enquiry"
        assert outcome["not_attended"] == ["gp-riverside"]
        assert held.json()["minutes"]["to_everyone"] is False

        partial = circulate(api, case_id, discussion_id, to=EVERYONE[:2]).json()["minutes"]
        assert (partial["to_everyone"], partial["not_yet_sent_to"]) == (False, ["gp-riverside"])
        minutes = circulate(api, case_id, discussion_id, to=["gp-riverside"]).json()["minutes"]
        assert minutes["to_everyone"] is True and minutes["due_on"] is not None

        acked = api.police.post(
            discussions_url(case_id, discussion_id, "acknowledgements"), json={}
        )
        assert acked.status_code == 200, acked.text
        view = acked.json()
        assert [a["agency"] for a in view["acknowledgements"]] == ["police-avon-somerset"]
        assert [a["agency"] for a in view["awaiting_acknowledgement"]] == ["hospital-musgrove"]

    def test_the_outcome_is_never_changed(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        discussion_id = minuted(api, case_id)
        again = hold(api, case_id, discussion_id, outcome="no-further-action")
        assert_problem(again, 409, "outcome-already-recorded")

    def test_other_needs_words_and_no_minutes_before_an_outcome(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        discussion_id = convene(api, case_id).json()["discussion_id"]
        assert_problem(circulate(api, case_id, discussion_id), 409, "strategy-outcome-pending")
        assert_problem(
            hold(api, case_id, discussion_id, outcome="other"), 422, "outcome-text-required"
        )
        future = hold(api, case_id, discussion_id, held_at=iso(api, hours=2))
        assert_problem(future, 422, "instant-in-future")

    def test_the_convener_acknowledges_for_an_agency_saying_how(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        discussion_id = minuted(api, case_id)
        url = discussions_url(case_id, discussion_id, "acknowledgements")
        body = {"agency": "hospital-musgrove"}
        assert_problem(api.somerset.post(url, json=body), 422, "obtained-how-required")
        body["obtained_how"] = "Telephone call with the named nurse."
        view = api.somerset.post(url, json=body).json()
        assert view["acknowledgements"][0]["on_behalf"] is True
        assert_problem(api.somerset.post(url, json=body), 409, "already-acknowledged")

    def test_an_agency_not_sent_the_minutes_or_not_attending_is_refused(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        discussion_id = convene(api, case_id).json()["discussion_id"]
        hold(api, case_id, discussion_id, attended=["933", "police-avon-somerset"])
        circulate(api, case_id, discussion_id, to=["hospital-musgrove"])
        url = discussions_url(case_id, discussion_id, "acknowledgements")
        assert_problem(api.police.post(url, json={}), 409, "minutes-not-circulated")
        assert_problem(api.hospital.post(url, json={}), 409, "not-attending-agency")


class TestDissent:
    def test_dissent_disputes_until_its_agency_withdraws_it(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        discussion_id = minuted(api, case_id)
        recorded = dissent(api, case_id, discussion_id)
        assert recorded.status_code == 201, recorded.text
        assert recorded.json()["disputed"] is True
        dissent_id = dissent_id_of(recorded)
        url = discussions_url(case_id, discussion_id, f"dissents/{dissent_id}/withdrawal")
        assert_problem(api.police.post(url), 409, "not-dissenting-agency")
        withdrawn = api.hospital.post(url)
        assert withdrawn.status_code == 200, withdrawn.text
        assert withdrawn.json()["disputed"] is False
        assert withdrawn.json()["dissents"][0]["status"] == "withdrawn"
        assert_problem(api.hospital.post(url), 409, "dissent-not-open")

    def test_acknowledging_while_dissenting_is_refused(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        discussion_id = minuted(api, case_id)
        dissent(api, case_id, discussion_id)
        url = discussions_url(case_id, discussion_id, "acknowledgements")
        assert_problem(api.hospital.post(url, json={}), 409, "dissent-not-withdrawn")

    def test_unknown_ids_are_404(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        discussion_id = minuted(api, case_id)
        missing = "00000000-0000-4000-8000-000000000000"
        assert_problem(
            api.somerset.get(discussions_url(case_id, missing)), 404, "discussion-not-found"
        )
        assert_problem(
            api.somerset.get(discussions_url(case_id, "nope")), 404, "discussion-not-found"
        )
        url = discussions_url(case_id, discussion_id, f"dissents/{missing}/withdrawal")
        assert_problem(api.hospital.post(url), 404, "dissent-not-found")


class TestAsKnownAt:
    def test_a_discussion_as_the_record_stood_before_its_outcome(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        discussion_id = convene(api, case_id).json()["discussion_id"]
        before = api.clock.now().isoformat().replace("+00:00", "Z")
        api.clock.advance(seconds=1)
        hold(api, case_id, discussion_id)
        url = discussions_url(case_id, discussion_id)
        assert api.somerset.get(url).json()["outcome"] is not None
        then = api.somerset.get(url, params={"as_known_at": before})
        assert then.status_code == 200, then.text
        assert then.json()["outcome"] is None


def _convening(api: Api) -> dict[str, object]:
    return {
        "scheduled_for": iso(api, hours=1),
        "mode": "call",
        "chair": "Chair",
        "reason": "Concern.",
        "invited": INVITED,
    }


class TestRetries:
    def test_a_retried_convening_answers_as_the_first_and_records_nothing(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        body = _convening(api)
        headers = {"Idempotency-Key": "convene-1"}
        first = api.somerset.post(discussions_url(case_id), json=body, headers=headers)
        retry = api.somerset.post(discussions_url(case_id), json=body, headers=headers)
        assert (first.status_code, retry.status_code) == (201, 201)
        assert retry.headers["Location"] == first.headers["Location"]
        assert retry.headers["Idempotent-Replayed"] == "true"
        assert len(api.somerset.get(discussions_url(case_id)).json()["items"]) == 1

    def test_a_stale_if_match_is_412(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        stale = convene(api, case_id)
        assert stale.status_code == 201
        again = api.somerset.post(
            discussions_url(case_id),
            json=_convening(api),
            headers={"If-Match": '"1"'},
        )
        assert_problem(again, 412, "version-mismatch")
