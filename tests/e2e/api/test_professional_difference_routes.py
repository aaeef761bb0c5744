"""Professional differences (rule 14) and the hand-over with no hidden disagreement
(rule 15) over HTTP, on both stores; what a partner sees, and its reads in the log."""

from __future__ import annotations

from datetime import timedelta

from .decision_support import (
    convene,
    differences_url,
    discussions_url,
    dissent,
    minuted,
    raise_difference,
)
from .support import Api, assert_problem, transfer_url


class TestDifferences:
    def test_raised_responded_escalated_and_resolved_by_both_sides(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        discussion_id = minuted(api, case_id)
        dissent(api, case_id, discussion_id)
        raised = raise_difference(api, case_id, discussion_id=discussion_id)
        assert raised.status_code == 201, raised.text
        view = raised.json()
        url = differences_url(case_id, view["difference_id"])
        assert raised.headers["Location"] == url
        assert (view["raised_by"], view["responded_by"], view["stage"]) == (
            "hospital-musgrove",
            "933",
            1,
        )
        assert view["stage_name"] == "practitioners" and view["due_on"] is not None
        assert (view["overdue"], view["stalled"]) == (False, False)

        responded = api.somerset.post(f"{url}/responses", json={"response": "We disagree."})
        assert responded.json()["responses"][0]["responded_by"] == "933"
        escalation = {"held_by": "Safeguarding lead", "reason": "Not agreed at stage 1."}
        moved = api.hospital.post(f"{url}/escalation", json=escalation).json()
        assert (moved["stage"], moved["held_by"]) == (2, "Safeguarding lead")

        statement = {"outcome_statement": "A section 47 enquiry starts today."}
        assert api.hospital.post(f"{url}/resolution", json=statement).json()["status"] == "open"
        resolved = api.somerset.post(f"{url}/resolution", json=statement).json()
        assert resolved["status"] == "resolved"
        assert resolved["acknowledged_by"] == ["933", "hospital-musgrove"]
        discussion = api.somerset.get(discussions_url(case_id, discussion_id)).json()
        assert discussion["disputed"] is False
        assert discussion["dissents"][0]["status"] == "settled"

    def test_each_refusal(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        minuted(api, case_id)
        assert_problem(raise_difference(api, case_id, by=api.school), 404, "case-not-found")
        assert_problem(
            raise_difference(api, case_id, responded_by="hospital-musgrove"),
            422,
            "difference-with-itself",
        )
        url = differences_url(case_id, raise_difference(api, case_id).json()["difference_id"])
        assert_problem(
            api.hospital.post(f"{url}/responses", json={"response": "x"}),
            409,
            "not-responding-agency",
        )
        assert_problem(
            api.police.post(f"{url}/closure", json={"reason": "x"}), 409, "not-difference-side"
        )
        assert_problem(
            api.mash.post(f"{url}/closure", json={"reason": "x"}), 403, "role-not-permitted"
        )
        closed = api.somerset.post(f"{url}/closure", json={"reason": "No agreement."})
        assert closed.json()["status"] == "closed-unresolved"
        assert_problem(
            api.somerset.post(f"{url}/closure", json={"reason": "x"}), 409, "difference-ended"
        )
        missing = differences_url(case_id, "00000000-0000-4000-8000-000000000000")
        assert_problem(api.somerset.get(missing), 404, "difference-not-found")

    def test_stage_four_is_the_last(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        minuted(api, case_id)
        url = differences_url(case_id, raise_difference(api, case_id).json()["difference_id"])
        body = {"held_by": "Next", "reason": "Stuck."}
        for _ in range(3):
            assert api.somerset.post(f"{url}/escalation", json=body).status_code == 200
        assert_problem(
            api.somerset.post(f"{url}/escalation", json=body), 409, "difference-at-final-stage"
        )

    def test_a_stage_past_its_timescale_is_overdue_and_stalled(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        minuted(api, case_id)
        url = differences_url(case_id, raise_difference(api, case_id).json()["difference_id"])
        api.clock.advance(days=8)  # 3 working days at stage 1, whatever the weekday
        view = api.hospital.get(url).json()
        assert (view["overdue"], view["stalled"]) == (True, True)


class TestRule15:
    def test_no_transfer_proposed_while_an_outcome_is_pending(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        discussion_id = convene(api, case_id).json()["discussion_id"]
        refused = api.somerset.post(
            f"/v1/cases/{case_id}/transfers", json={"to_authority": "801", "reason": "Moved"}
        )
        body = assert_problem(refused, 409, "strategy-outcome-pending")
        assert body["discussions"] == [discussion_id]

    def test_acceptance_names_each_open_matter_or_is_refused(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        discussion_id = minuted(api, case_id)
        dissent(api, case_id, discussion_id)
        difference_id = raise_difference(api, case_id).json()["difference_id"]
        transfer_id = api.propose(case_id, to="801")
        api.ready_to_accept(case_id, transfer_id, on=api.clock.today() + timedelta(days=1))

        seen = api.bristol.get(discussions_url(case_id)).json()["items"]
        assert [d["disputed"] for d in seen] == [True]
        url = transfer_url(case_id, transfer_id, "acceptance")
        body = assert_problem(api.bristol.post(url), 409, "open-matters-not-acknowledged")
        assert (body["discussions"], body["differences"]) == ([discussion_id], [difference_id])
        partly = api.bristol.post(url, json={"open_matters": [discussion_id]})
        body = assert_problem(partly, 409, "open-matters-not-acknowledged")
        assert (body["discussions"], body["differences"]) == ([], [difference_id])

        accepted = api.bristol.post(url, json={"open_matters": [discussion_id, difference_id]})
        assert accepted.status_code == 200, accepted.text
        history = api.auditor.get(f"/v1/cases/{case_id}/history").json()
        types = [event["type"] for event in history["events"]]
        assert types[-2:] == ["OpenMattersNamed", "ResponsibilityAccepted"]


class TestPartners:
    def test_a_partner_sees_only_what_it_takes_part_in_and_its_reads_are_logged(
        self, api: Api
    ) -> None:
        case_id = api.open_case()["case_id"]
        assert_problem(api.police.get(discussions_url(case_id)), 404, "case-not-found")
        minuted(api, case_id)
        second = convene(
            api, case_id, invited=[{"code": "gp-riverside", "kind": "gp", "name": "GP"}]
        )
        raise_difference(api, case_id)  # the hospital's, not the police's

        listed = api.police.get(discussions_url(case_id))
        assert listed.status_code == 200, listed.text
        assert listed.json()["responsible_authority"]["code"] == "933"
        assert len(listed.json()["items"]) == 1
        hidden = discussions_url(case_id, second.json()["discussion_id"])
        assert_problem(api.police.get(hidden), 404, "discussion-not-found")
        assert api.police.get(differences_url(case_id)).json()["items"] == []
        assert len(api.hospital.get(differences_url(case_id)).json()["items"]) == 1
        for path in ("", "/responsibility", "/timeline", "/history"):
            assert_problem(api.police.get(f"/v1/cases/{case_id}{path}"), 404, "case-not-found")
        assert_problem(api.school.get(discussions_url(case_id)), 404, "case-not-found")

        log = api.auditor.get("/v1/access-log", params={"case_id": case_id}).json()["items"]
        police_reads = [e for e in log if e["principal"]["role"] == "partner"]
        assert {e["principal"]["authority"] for e in police_reads} == {
            "police-avon-somerset",
            "hospital-musgrove",
        }


class TestWorklists:
    def test_partners_and_authorities_see_the_decision_work_they_owe(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        discussion_id = minuted(api, case_id)
        difference_id = raise_difference(api, case_id).json()["difference_id"]

        police = api.police.get("/v1/worklist")
        assert police.status_code == 200, police.text
        body = police.json()
        assert (body["authority"], body["agency"]) == (None, "police-avon-somerset")
        [item] = body["items"]
        assert (item["kind"], item["discussion_id"], item["counterpart"]["code"]) == (
            "acknowledge-minutes",
            discussion_id,
            "933",
        )
        assert item["overdue"] is False and item["due_on"]

        somerset = api.somerset.get("/v1/worklist").json()["items"]
        responding = [i for i in somerset if i["kind"] == "respond-to-difference-1"]
        assert [(i["difference_id"], i["counterpart_agency"]) for i in responding] == [
            (difference_id, "hospital-musgrove")
        ]
        assert_problem(api.police.get("/v1/transfers"), 403, "role-not-permitted")
        assert_problem(
            api.police.get("/v1/worklist", params={"authority": "933"}), 403, "not-own-authority"
        )
