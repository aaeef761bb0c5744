"""GET /v1/worklist: what each authority must do next, by when, through a whole hand-over.

Due dates count working days on the England and Wales calendar from the London date
the clock starts, so the expected dates are computed with the same calendar from the
test clock's today (the clock is real time plus an offset the tests move on).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from service.api.schemas import action
from service.domain.calendar import add_working_days
from service.domain.decision_timescales import CIRCULATE_MINUTES, HOLD_FOLLOW_UP
from service.domain.worklist import KINDS

from .list_support import read, walk
from .support import Api, Caller, assert_problem, decline, transfer_url

WORKLIST = "/v1/worklist"
SOMERSET = {"code": "933", "name": "Somerset"}
BRISTOL = {"code": "801", "name": "Bristol, City of"}


def work(
    caller: Caller, after: httpx.Response | None = None, **params: Any
) -> list[tuple[str, date, bool]]:
    """(kind, due_on, overdue) of each item of the caller's worklist, soonest due first."""
    body = read(caller, WORKLIST, after=after, **params)
    return [(i["kind"], date.fromisoformat(i["due_on"]), i["overdue"]) for i in body["items"]]


def items(caller: Caller, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = read(caller, WORKLIST, **params)["items"]
    return found


class TestAHandOverStory:
    def test_each_step_owed_appears_when_due_and_goes_once_done(self, api: Api) -> None:
        today = api.clock.today()
        case_id = api.open_case()["case_id"]
        assert api.assess(case_id).status_code == 200
        proposed = api.somerset.post(
            f"/v1/cases/{case_id}/transfers", json={"to_authority": "801", "reason": "Moved"}
        )
        transfer_id = proposed.json()["active_transfer"]["transfer_id"]
        base = transfer_url(case_id, transfer_id)

        # Proposed: Somerset owes the information, in 5 working days.
        assert work(api.somerset, after=proposed) == [
            ("share-information", add_working_days(today, 5), False)
        ]
        assert work(api.bristol, after=proposed) == []
        [share] = items(api.somerset)
        assert share["action"] == "Share information with Bristol, City of"
        assert (share["case_id"], share["transfer_id"]) == (case_id, transfer_id)
        assert (share["counterpart"], share["counted_from"]) == (BRISTOL, today.isoformat())

        # Shared: Bristol owes a receipt in 2 working days and a decision in 10.
        shared = api.share(case_id, transfer_id)
        assert work(api.somerset, after=shared) == []
        assert work(api.bristol, after=shared) == [
            ("confirm-receipt", add_working_days(today, 2), False),
            ("decide-transfer", add_working_days(today, 10), False),
        ]
        received = api.bristol.post(f"{base}/information-received")
        assert [kind for kind, _, _ in work(api.bristol, after=received)] == ["decide-transfer"]

        # A date proposed by Somerset is Bristol's to answer, by that date.
        handover = today + timedelta(days=3)
        on = {"date": handover.isoformat()}
        dated = api.somerset.post(f"{base}/date-proposals", json=on)
        assert ("respond-to-date-proposal", handover, False) in work(api.bristol, after=dated)
        agreed = api.bristol.post(f"{base}/date-agreement", json=on)
        assert [kind for kind, _, _ in work(api.bristol, after=agreed)] == ["decide-transfer"]

        # Accepted: nothing is owed until the hand-over, then Bristol's own assessment.
        accepted = api.accept(case_id, transfer_id)
        assert work(api.bristol, after=accepted) == []
        assert work(api.somerset, after=accepted) == []
        api.clock.advance(days=3)
        assessment_due = add_working_days(handover, 45)
        assert work(api.bristol) == [("assess-after-handover", assessment_due, False)]
        [assess] = items(api.bristol)
        assert assess["action"] == "Assess the child's needs after the hand-over from Somerset"
        assert (assess["counterpart"], assess["counted_from"]) == (SOMERSET, handover.isoformat())

        # Overdue from the day after it is due; done once Bristol records its assessment.
        api.clock.advance(days=(assessment_due - handover).days + 1)
        assert work(api.bristol, overdue="true") == [
            ("assess-after-handover", assessment_due, True)
        ]
        assessed = api.assess(case_id, by=api.bristol)
        assert work(api.bristol, after=assessed) == []

    def test_a_declined_transfer_owes_nothing(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        transfer_id = api.propose(case_id, to="801")
        assert api.share(case_id, transfer_id).status_code == 200
        assert len(work(api.bristol)) == 2

        declined = decline(api, case_id, transfer_id)

        assert work(api.bristol, after=declined) == []
        assert work(api.somerset, after=declined) == []

    def test_a_withdrawn_transfer_owes_nothing(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        transfer_id = api.propose(case_id, to="801")

        withdrawn = api.somerset.post(
            transfer_url(case_id, transfer_id, "withdrawal"), json={"reason": "Stayed"}
        )

        assert work(api.somerset, after=withdrawn) == []


class TestOverdueWork:
    def test_is_overdue_once_the_clock_passes_the_due_date(self, api: Api) -> None:
        api.propose(api.open_case()["case_id"], to="801")
        due = add_working_days(api.clock.today(), 5)

        api.clock.advance(days=(due - api.clock.today()).days)
        assert work(api.somerset) == [("share-information", due, False)]  # due today: in time
        api.clock.advance(days=1)
        assert work(api.somerset) == [("share-information", due, True)]

    def test_overdue_lists_only_the_overdue_items(self, api: Api) -> None:
        late = api.propose(api.open_case()["case_id"], to="801")
        api.clock.advance(days=20)
        api.propose(api.open_case()["case_id"], to="801")

        overdue = items(api.somerset, overdue="true")

        assert [(i["transfer_id"], i["overdue"]) for i in overdue] == [(late, True)]
        assert len(items(api.somerset)) == 2
        assert len(items(api.somerset, overdue="false")) == 2


OWN_DECISION_WORK = (CIRCULATE_MINUTES, HOLD_FOLLOW_UP)  # no other side to name


class TestTheWorklistItself:
    @pytest.mark.parametrize("kind", [k for k in KINDS if k not in OWN_DECISION_WORK])
    def test_says_what_to_do_for_every_kind_of_item(self, kind: str) -> None:
        assert "Bristol, City of" in action(kind, "801")

    @pytest.mark.parametrize("kind", OWN_DECISION_WORK)
    def test_says_what_to_do_for_work_with_no_other_side(self, kind: str) -> None:
        assert "strategy discussion" in action(kind, None)

    def test_names_the_authority_and_today(self, api: Api) -> None:
        body = read(api.somerset, WORKLIST)

        assert body == {
            "authority": SOMERSET,
            "agency": None,
            "today": api.clock.today().isoformat(),
            "items": [],
            "next": None,
        }

    def test_walks_every_item_page_by_page(self, api: Api) -> None:
        proposed = {api.propose(api.open_case()["case_id"], to="801") for _ in range(3)}

        pages = walk(api.somerset, WORKLIST, limit=2)

        assert [len(page) for page in pages] == [2, 1]
        listed = [item for page in pages for item in page]
        assert {item["transfer_id"] for item in listed} == proposed
        assert len({item["item_id"] for item in listed}) == 3

    def test_shows_an_auditor_the_worklist_of_the_authority_it_names(self, api: Api) -> None:
        transfer_id = api.propose(api.open_case()["case_id"], to="801")

        body = read(api.auditor, WORKLIST, authority="933")

        assert body["authority"] == SOMERSET
        assert [i["transfer_id"] for i in body["items"]] == [transfer_id]


class TestRefusals:
    def test_refuses_a_caller_without_a_token(self, api: Api) -> None:
        assert_problem(api.anonymous.get(WORKLIST), 401, "unauthenticated")

    @pytest.mark.parametrize(
        ("caller", "query", "code"),
        [
            ("mash", {}, "lists-not-for-mash"),
            ("leeds_mash", {"authority": "383"}, "lists-not-for-mash"),
            ("leeds", {"authority": "933"}, "not-own-authority"),
        ],
    )
    def test_refuses_anyone_but_the_authority_and_auditors(
        self, api: Api, caller: str, query: dict[str, str], code: str
    ) -> None:
        assert_problem(getattr(api, caller).get(WORKLIST, params=query), 403, code)

    @pytest.mark.parametrize(
        ("caller", "query", "code"),
        [
            ("auditor", {}, "authority-required"),
            ("somerset", {"authority": "999"}, "unknown-authority"),
            ("somerset", {"cursor": "not-a-cursor"}, "invalid-cursor"),
            ("somerset", {"limit": "0"}, "invalid-limit"),
            ("somerset", {"limit": "201"}, "invalid-limit"),
            ("somerset", {"overdue": "perhaps"}, "invalid-request"),
            ("somerset", {"authority": "9" * 9}, "invalid-request"),
        ],
    )
    def test_refuses_a_malformed_query(
        self, api: Api, caller: str, query: dict[str, str], code: str
    ) -> None:
        assert_problem(getattr(api, caller).get(WORKLIST, params=query), 422, code)

    def test_refuses_a_cursor_of_another_list(self, api: Api) -> None:
        for _ in range(2):
            api.open_case()
        cursor = read(api.somerset, "/v1/cases", limit=1)["next"]

        response = api.somerset.get(WORKLIST, params={"cursor": cursor})

        assert_problem(response, 422, "invalid-cursor")
