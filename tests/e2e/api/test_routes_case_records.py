"""Routes that record facts about a case: local references, assessments, closure."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from .support import Api, Caller, assert_problem, complete_transfer, decline


def assessment(api: Api, **overrides: Any) -> dict[str, Any]:
    return {
        "completed_on": api.clock.today().isoformat(),
        "factors": ["3A", "8B"],
        "primary_need_code": "N1",
        "summary": "Neglect concerns; the family needs support with housing.",
        **overrides,
    }


def record_assessment(api: Api, case_id: str, by: Caller | None = None, **overrides: Any) -> Any:
    return (by or api.somerset).post(
        f"/v1/cases/{case_id}/assessments", json=assessment(api, **overrides)
    )


def close(api: Api, case_id: str, reason_code: str = "RC8", by: Caller | None = None) -> Any:
    return api.close(case_id, reason_code, by)


class TestRecordingALocalReference:
    def test_records_the_receiving_authoritys_reference(self, api: Api) -> None:
        case_id = api.open_case(local_reference="SOM-1")["case_id"]
        api.propose(case_id, to="801")

        response = api.bristol.post(
            f"/v1/cases/{case_id}/local-references", json={"reference": "BRS-77"}
        )

        assert response.status_code == 200, response.text
        assert response.json()["version"] == 3
        assert response.headers["ETag"] == '"3"'
        assert response.json()["local_references"] == [
            {"authority": {"code": "933", "name": "Somerset"}, "reference": "SOM-1"},
            {"authority": {"code": "801", "name": "Bristol, City of"}, "reference": "BRS-77"},
        ]

    def test_is_visible_in_the_case_view(self, api: Api) -> None:
        case_id = api.open_case(local_reference="SOM-1")["case_id"]
        api.somerset.post(f"/v1/cases/{case_id}/local-references", json={"reference": "SOM-2"})

        view = api.mash.get(f"/v1/cases/{case_id}").json()

        assert [r["reference"] for r in view["local_references"]] == ["SOM-2"]

    def test_keeps_the_replaced_reference_in_the_history(self, api: Api) -> None:
        case_id = api.open_case(local_reference="SOM-1")["case_id"]
        api.somerset.post(f"/v1/cases/{case_id}/local-references", json={"reference": "SOM-2"})

        events = api.auditor.get(f"/v1/cases/{case_id}/history").json()["events"]

        assert events[-1]["type"] == "LocalReferenceRecorded"
        assert events[-1]["data"] == {"authority": "933", "reference": "SOM-2", "replaces": "SOM-1"}

    def test_records_nothing_for_the_same_reference_again(self, api: Api) -> None:
        case_id = api.open_case(local_reference="SOM-1")["case_id"]

        response = api.somerset.post(
            f"/v1/cases/{case_id}/local-references", json={"reference": "SOM-1"}
        )

        assert response.status_code == 200, response.text
        assert response.json()["version"] == 1
        history = api.auditor.get(f"/v1/cases/{case_id}/history").json()["events"]
        assert [e["type"] for e in history] == ["CaseOpened"]

    def test_refused_once_the_case_is_closed(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        assert close(api, case_id).status_code == 200

        response = api.somerset.post(
            f"/v1/cases/{case_id}/local-references", json={"reference": "SOM-9"}
        )

        assert_problem(response, 409, "case-closed")

    def test_refuses_a_reference_over_64_characters(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]

        response = api.somerset.post(
            f"/v1/cases/{case_id}/local-references", json={"reference": "R" * 65}
        )

        assert_problem(response, 422, "invalid-request")


class TestRecordingAnAssessment:
    def test_records_the_assessment_in_the_view(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]

        response = record_assessment(api, case_id)

        assert response.status_code == 200, response.text
        view = response.json()
        assert view["version"] == 2
        [recorded] = view["assessments"]
        assert recorded["authority"] == {"code": "933", "name": "Somerset"}
        assert recorded["completed_on"] == api.clock.today().isoformat()
        assert recorded["factors"] == ["3A", "8B"]
        assert recorded["primary_need_code"] == "N1"
        assert recorded["summary"] == "Neglect concerns; the family needs support with housing."
        assert recorded["corrects"] is None
        assert recorded["assessment_id"] and recorded["recorded_at"]

    def test_accepts_a_summary_of_exactly_10000_characters(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]

        response = record_assessment(api, case_id, summary="s" * 10_000)

        assert response.status_code == 200, response.text

    def test_refuses_a_summary_over_10000_characters(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]

        response = record_assessment(api, case_id, summary="s" * 10_001)

        assert_problem(response, 422, "invalid-request")

    def test_refuses_an_unknown_factor_code(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]

        response = record_assessment(api, case_id, factors=["3A", "99Z"])

        assert_problem(response, 422, "unknown-assessment-factor")

    def test_refuses_no_factors_identified_combined_with_a_factor(self, api: Api) -> None:
        """CIN census validation rule 8869."""
        case_id = api.open_case()["case_id"]

        response = record_assessment(api, case_id, factors=["21", "3A"])

        assert_problem(response, 422, "no-factors-combined")

    def test_records_no_factors_identified_alone(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]

        response = record_assessment(api, case_id, factors=["21"])

        assert response.status_code == 200, response.text

    def test_refuses_an_assessment_naming_no_factors(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]

        response = record_assessment(api, case_id, factors=[])

        assert_problem(response, 422, "assessment-factors-required")

    def test_refuses_an_unknown_primary_need_code(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]

        response = record_assessment(api, case_id, primary_need_code="N10")

        assert_problem(response, 422, "unknown-primary-need-code")

    def test_refuses_a_bare_level_instead_of_a_need_code(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]

        response = record_assessment(api, case_id, level=2)

        assert_problem(response, 422, "invalid-request")

    def test_refuses_a_completion_date_in_the_future(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        tomorrow = api.clock.today() + timedelta(days=1)

        response = record_assessment(api, case_id, completed_on=tomorrow.isoformat())

        assert_problem(response, 422, "date-in-future")

    def test_refuses_the_receiving_side_of_a_transfer(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        api.propose(case_id, to="801")

        response = record_assessment(api, case_id, by=api.bristol)

        assert_problem(response, 409, "not-responsible-authority")

    def test_refuses_the_new_authority_an_assessment_predating_its_responsibility(
        self, api: Api
    ) -> None:
        case_id = api.open_case()["case_id"]
        complete_transfer(api, case_id)
        yesterday = api.clock.today() - timedelta(days=1)

        response = record_assessment(
            api, case_id, by=api.bristol, completed_on=yesterday.isoformat()
        )

        assert_problem(response, 409, "assessment-predates-responsibility")


class TestCorrectingAnAssessment:
    def test_records_a_correction_pointing_at_the_original(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        original = record_assessment(api, case_id).json()["assessments"][0]["assessment_id"]

        response = record_assessment(api, case_id, primary_need_code="N2", corrects=original)

        assert response.status_code == 200, response.text
        assessments = response.json()["assessments"]
        assert [(a["primary_need_code"], a["corrects"]) for a in assessments] == [
            ("N1", None),
            ("N2", original),
        ]

    def test_keeps_the_original_in_the_history(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        original = record_assessment(api, case_id).json()["assessments"][0]["assessment_id"]
        record_assessment(api, case_id, primary_need_code="N2", corrects=original)

        events = api.auditor.get(f"/v1/cases/{case_id}/history").json()["events"]

        recorded = [e["data"] for e in events if e["type"] == "AssessmentCompleted"]
        assert [(d["assessment_id"] == original, d["corrects"]) for d in recorded] == [
            (True, None),
            (False, original),
        ]

    def test_refuses_to_correct_an_unknown_assessment(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]

        response = record_assessment(api, case_id, corrects=str(uuid4()))

        assert_problem(response, 422, "unknown-assessment")

    def test_refuses_to_correct_an_assessment_twice(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        original = record_assessment(api, case_id).json()["assessments"][0]["assessment_id"]
        record_assessment(api, case_id, corrects=original)

        response = record_assessment(api, case_id, corrects=original)

        assert_problem(response, 409, "assessment-already-corrected")

    def test_refuses_a_correction_of_another_authoritys_assessment(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        complete_transfer(api, case_id)
        somersets = api.bristol.get(f"/v1/cases/{case_id}").json()["assessments"][0]

        response = record_assessment(
            api, case_id, by=api.bristol, corrects=somersets["assessment_id"]
        )

        assert_problem(response, 409, "not-assessing-authority")


class TestClosingACase:
    @pytest.mark.parametrize("reason_code", [f"RC{n}" for n in range(1, 10)])
    def test_closes_with_each_census_reason(self, api: Api, reason_code: str) -> None:
        case_id = api.open_case()["case_id"]

        response = close(api, case_id, reason_code)

        assert response.status_code == 200, response.text
        assert response.json()["closure_reason"] == reason_code

    def test_shows_the_case_closed_with_nobody_responsible(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        close(api, case_id)

        view = api.mash.get(f"/v1/cases/{case_id}").json()

        assert view["status"] == "closed"
        assert view["responsible_authority"] is None
        assert view["responsible_since"] is None
        assert view["active_transfer"] is None
        assert view["closed_at"] is not None and view["closed_at"] >= view["opened_at"]

    @pytest.mark.parametrize("reason_code", ["RC10", "rc1", "RC0", ""])
    def test_refuses_an_unknown_reason_code(self, api: Api, reason_code: str) -> None:
        case_id = api.open_case()["case_id"]

        response = close(api, case_id, reason_code)

        assert_problem(response, 422, "unknown-closure-reason")

    def test_refuses_a_missing_reason_code(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]

        response = api.somerset.post(f"/v1/cases/{case_id}/closure", json={})

        assert_problem(response, 422, "invalid-request")

    def test_refuses_while_a_transfer_is_in_progress(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        api.propose(case_id, to="801")

        assert_problem(close(api, case_id), 409, "transfer-in-progress")

    def test_refuses_while_an_accepted_transfer_awaits_its_date(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        transfer_id = api.propose(case_id, to="801")
        api.ready_to_accept(case_id, transfer_id)
        assert api.accept(case_id, transfer_id).status_code == 200

        assert_problem(close(api, case_id), 409, "transfer-in-progress")

    def test_refuses_the_receiving_side_of_a_transfer(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        api.propose(case_id, to="801")

        assert_problem(close(api, case_id, by=api.bristol), 409, "not-responsible-authority")

    def test_allows_closure_once_the_transfer_is_declined(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        transfer_id = api.propose(case_id, to="801")
        assert decline(api, case_id, transfer_id).status_code == 200

        assert close(api, case_id).status_code == 200

    def test_lets_the_new_authority_close_after_a_transfer(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        complete_transfer(api, case_id)

        response = close(api, case_id, by=api.bristol)

        assert response.status_code == 200, response.text
        assert response.json()["status"] == "closed"


class TestAClosedCase:
    """Every change after closure is refused as ``case-closed``."""

    @pytest.fixture
    def closed_case_id(self, api: Api) -> str:
        case_id: str = api.open_case()["case_id"]
        assert close(api, case_id).status_code == 200
        return case_id

    def test_refuses_an_assessment(self, api: Api, closed_case_id: str) -> None:
        assert_problem(record_assessment(api, closed_case_id), 409, "case-closed")

    def test_refuses_a_transfer(self, api: Api, closed_case_id: str) -> None:
        response = api.somerset.post(
            f"/v1/cases/{closed_case_id}/transfers",
            json={"to_authority": "801", "reason": "Family moved"},
        )

        assert_problem(response, 409, "case-closed")

    def test_refuses_closing_again(self, api: Api, closed_case_id: str) -> None:
        assert_problem(close(api, closed_case_id, "RC7"), 409, "case-closed")

    def test_refuses_steps_on_a_transfer_that_ended_before_closure(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        transfer_id = api.propose(case_id, to="801")
        decline(api, case_id, transfer_id)
        close(api, case_id)

        response = api.bristol.post(
            f"/v1/cases/{case_id}/transfers/{transfer_id}/date-proposals",
            json={"date": api.clock.today().isoformat()},
        )

        assert_problem(response, 409, "case-closed")

    def test_still_answers_reads(self, api: Api, closed_case_id: str) -> None:
        for path in ("", "/responsibility", "/timeline", "/history"):
            response = api.auditor.get(f"/v1/cases/{closed_case_id}{path}")
            assert response.status_code == 200, (path, response.text)
