"""The design's story end to end: a child's case carried from Somerset to Bristol."""

from __future__ import annotations

from datetime import timedelta

from .support import Api, assert_problem


class TestFullHandOver:
    def test_walks_every_step_and_moves_responsibility_at_the_effective_instant(
        self, api: Api
    ) -> None:
        case = api.open_case()
        case_id = case["case_id"]
        assert case["responsible_authority"] == {"code": "933", "name": "Somerset"}
        transfer_id = api.propose(case_id, to="801")
        base = f"/v1/cases/{case_id}/transfers/{transfer_id}"

        # Each missing step refuses acceptance, in the order the rules check them.
        assert_problem(api.accept(case_id, transfer_id), 409, "assessment-required")
        assert api.assess(case_id).status_code == 200
        assert_problem(api.accept(case_id, transfer_id), 409, "information-not-shared")
        assert api.share(case_id, transfer_id).status_code == 200
        assert_problem(api.accept(case_id, transfer_id), 409, "transfer-date-not-agreed")
        tomorrow = api.clock.today() + timedelta(days=1)
        proposed = api.bristol.post(f"{base}/date-proposals", json={"date": tomorrow.isoformat()})
        assert proposed.json()["active_transfer"]["proposed_date"] == tomorrow.isoformat()
        assert_problem(api.accept(case_id, transfer_id), 409, "transfer-date-not-agreed")
        agreed = api.somerset.post(f"{base}/date-agreement", json={"date": tomorrow.isoformat()})
        assert agreed.status_code == 200
        steps = agreed.json()["active_transfer"]
        assert [
            steps[k] for k in ("assessment_completed", "information_shared", "date_agreed")
        ] == [
            True,
            True,
            True,
        ]
        assert_problem(
            api.accept(case_id, transfer_id, by=api.somerset), 409, "not-receiving-authority"
        )

        accepted = api.accept(case_id, transfer_id)
        assert accepted.status_code == 200, accepted.text
        view = accepted.json()
        effective_at = view["active_transfer"]["effective_at"]
        assert view["active_transfer"]["stage"] == "accepted"
        assert view["responsible_authority"]["code"] == "933"  # until the effective instant

        before = api.somerset.get(
            f"/v1/cases/{case_id}/responsibility", params={"at": api.clock.now().isoformat()}
        ).json()
        after = api.somerset.get(
            f"/v1/cases/{case_id}/responsibility", params={"at": effective_at}
        ).json()
        assert before["authority"]["code"] == "933" and before["until"] == effective_at
        assert after["authority"]["code"] == "801" and after["since"] == effective_at

        timeline = api.bristol.get(f"/v1/cases/{case_id}/timeline").json()["intervals"]
        assert [(i["authority"]["code"], i["scheduled"]) for i in timeline] == [
            ("933", False),
            ("801", True),
        ]

        api.clock.advance(days=2)
        later = api.bristol.get(f"/v1/cases/{case_id}").json()
        assert later["responsible_authority"]["code"] == "801"
        assert later["active_transfer"] is None
        assert later["transfers"][0]["stage"] == "completed"
        history = api.auditor.get(f"/v1/cases/{case_id}/history").json()["events"]
        assert [e["type"] for e in history] == [
            "CaseOpened",
            "TransferProposed",
            "AssessmentCompleted",
            "InformationShared",
            "TransferDateProposed",
            "TransferDateAgreed",
            "ResponsibilityAccepted",
        ]
