"""The review's story end to end (issue 12), as the record now keeps it.

A hospital's concern about a baby; two strategy discussions, the second without the
GP; the local authority records "no further action" at the second, and the hospital and
the police, who left believing a section 47 enquiry would start, dissent; the hospital
raises a professional difference, which is answered at stage 1 and moved to stage 2,
where it stalls; the case is transferred to Bristol, whose acceptance is refused until it
names the dispute and the open difference, and then goes through. Nothing was hidden.
"""

from __future__ import annotations

from datetime import timedelta

from .decision_support import (
    INVITED,
    circulate,
    convene,
    differences_url,
    discussions_url,
    dissent,
    hold,
    raise_difference,
)
from .support import Api, assert_problem, transfer_url


def test_the_reviews_story_leaves_no_disagreement_hidden(api: Api) -> None:
    case_id = api.open_case()["case_id"]

    # The hospital's concern: a first discussion, everyone invited, an enquiry agreed.
    first = convene(api, case_id, reason="Hospital concern: bruising to a 10-week-old baby.")
    first_id = first.json()["discussion_id"]
    assert first.json()["missing_agencies"] == []
    assert hold(api, case_id, first_id).status_code == 200
    circulate(api, case_id, first_id)

    # The second: the GP is not invited, and the record says so.
    second = convene(api, case_id, invited=INVITED[:2], mode="call")
    second_id = second.json()["discussion_id"]
    assert second.json()["missing_agencies"] == ["gp"]
    held = hold(
        api,
        case_id,
        second_id,
        outcome="no-further-action",
        rationale="Explanation accepted from the parents.",
    )
    assert held.json()["outcome"]["outcome"] == "no-further-action"
    sent = circulate(api, case_id, second_id, to=["police-avon-somerset", "hospital-musgrove"])
    assert sent.json()["minutes"]["to_everyone"] is True

    # The hospital and the police dissent: the outcome stands, disputed.
    assert dissent(api, case_id, second_id).status_code == 201
    assert dissent(api, case_id, second_id, by=api.police).status_code == 201
    view = api.mash.get(discussions_url(case_id, second_id)).json()
    assert view["disputed"] is True and view["outcome"]["outcome"] == "no-further-action"
    assert sorted(d["agency"] for d in view["dissents"]) == [
        "hospital-musgrove",
        "police-avon-somerset",
    ]

    # The hospital's professional difference: answered at stage 1, moved to stage 2.
    raised = raise_difference(api, case_id, discussion_id=second_id)
    difference_id = raised.json()["difference_id"]
    url = differences_url(case_id, difference_id)
    api.somerset.post(f"{url}/responses", json={"response": "The explanation was accepted."})
    moved = api.hospital.post(
        f"{url}/escalation", json={"held_by": "Named doctor", "reason": "Not agreed at stage 1."}
    )
    assert (moved.json()["stage"], moved.json()["raised_by"]) == (2, "hospital-musgrove")
    api.clock.advance(days=10)  # five working days at stage 2, whatever the weekday
    stalled = api.hospital.get(url).json()
    assert (stalled["stage"], stalled["stalled"]) == (2, True)

    # The transfer: Bristol sees every discussion, dissent and difference.
    transfer_id = api.propose(case_id, to="801")
    api.ready_to_accept(case_id, transfer_id, on=api.clock.today() + timedelta(days=1))
    seen = api.bristol.get(discussions_url(case_id)).json()["items"]
    assert [d["disputed"] for d in seen] == [False, True]
    assert [d["stage"] for d in api.bristol.get(differences_url(case_id)).json()["items"]] == [2]

    acceptance = transfer_url(case_id, transfer_id, "acceptance")
    refused = assert_problem(api.bristol.post(acceptance), 409, "open-matters-not-acknowledged")
    assert (refused["discussions"], refused["differences"]) == ([second_id], [difference_id])
    accepted = api.bristol.post(acceptance, json={"open_matters": [second_id, difference_id]})
    assert accepted.status_code == 200, accepted.text

    history = api.auditor.get(f"/v1/cases/{case_id}/history").json()["events"]
    named = next(e for e in history if e["type"] == "OpenMattersNamed")
    assert named["data"]["discussions"] == [second_id]
    assert named["data"]["differences"] == [difference_id]
