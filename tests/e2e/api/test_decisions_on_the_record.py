"""Everywhere the record is read covers the decisions: the case history (JSON and CSV),
the auditor's event feed, ``export``, ``verify`` and ``replay --check`` (the commands run
as an operator runs them, on the store the API wrote)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.settings import Settings
from tests.e2e.cli.test_cli import case_transfer

from .decision_support import differences_url, dissent, dissent_id_of, minuted, raise_difference
from .support import Api

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
DECISION_EVENTS = [
    "StrategyDiscussionConvened",
    "StrategyOutcomeRecorded",
    "MinutesCirculated",
    "DissentRecorded",
    "DissentWithdrawn",
    "ProfessionalDifferenceRaised",
    "DifferenceEscalated",
    "DifferenceClosedUnresolved",
]


def record_decisions(api: Api) -> str:
    case_id: str = api.open_case()["case_id"]
    discussion_id = minuted(api, case_id)
    dissent_id = dissent_id_of(dissent(api, case_id, discussion_id))
    withdrawal = f"/v1/cases/{case_id}/strategy-discussions/{discussion_id}/dissents/{dissent_id}"
    assert api.hospital.post(f"{withdrawal}/withdrawal").status_code == 200
    url = differences_url(case_id, raise_difference(api, case_id).json()["difference_id"])
    api.somerset.post(f"{url}/escalation", json={"held_by": "Head of service", "reason": "R"})
    api.somerset.post(f"{url}/closure", json={"reason": "Referred to the partnership."})
    return case_id


class TestTheRecordReadEverywhere:
    def test_history_and_feed_show_every_decision_event(self, api: Api) -> None:
        case_id = record_decisions(api)
        history = api.auditor.get(f"/v1/cases/{case_id}/history").json()["events"]
        types = [event["type"] for event in history]
        assert [t for t in types if t in DECISION_EVENTS] == DECISION_EVENTS
        convened = history[types.index("StrategyDiscussionConvened")]
        assert convened["data"]["invited"][0]["code"] == "police-avon-somerset"

        csv = api.auditor.get(f"/v1/cases/{case_id}/history", headers={"Accept": "text/csv"})
        assert csv.status_code == 200 and "DissentWithdrawn" in csv.text
        feed = api.auditor.get("/v1/events", params={"limit": 1000}).json()["events"]
        assert {"ProfessionalDifferenceRaised", "MinutesCirculated"} <= {e["type"] for e in feed}

    @SQLITE_ONLY
    def test_export_verify_and_replay_check_cover_them(
        self, api: Api, settings: Settings, tmp_path: Path
    ) -> None:
        case_id = record_decisions(api)
        url = settings.database_url
        exported = case_transfer("export", "--all", cwd=tmp_path, CASE_TRANSFER_DATABASE_URL=url)
        assert exported.returncode == 0, exported.stderr
        lines = [json.loads(line) for line in exported.stdout.splitlines()]
        assert [line["type"] for line in lines if line["type"] in DECISION_EVENTS] == (
            DECISION_EVENTS
        )
        assert {line["case_id"] for line in lines} >= {case_id}

        checked = case_transfer("replay", "--check", cwd=tmp_path, CASE_TRANSFER_DATABASE_URL=url)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        verified = case_transfer("verify", cwd=tmp_path, CASE_TRANSFER_DATABASE_URL=url)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert verified.stdout.startswith("verified ")
