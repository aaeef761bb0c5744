"""GET /v1/cases/{case_id}/history with ``Accept: text/csv``: the case's export as CSV."""

from __future__ import annotations

import csv
import io
import json

import pytest

from service.audit.export import CSV_HEADER

from .support import Api, assert_problem, complete_transfer

CSV = {"Accept": "text/csv"}


class TestCsvHistory:
    def test_answers_every_event_as_a_row_under_the_fixed_header(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        complete_transfer(api, case_id)

        response = api.bristol.get(f"/v1/cases/{case_id}/history", headers=CSV)
        history = api.bristol.get(f"/v1/cases/{case_id}/history").json()["events"]
        feed = api.auditor.get("/v1/events").json()["events"]

        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert f'filename="case-{case_id}.csv"' in response.headers["content-disposition"]
        assert response.text.startswith(",".join(CSV_HEADER) + "\n")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert [(r["type"], int(r["version"])) for r in rows] == [
            (e["type"], e["version"]) for e in history
        ]
        assert [int(r["position"]) for r in rows] == [e["position"] for e in feed]
        assert json.loads(rows[-1]["data"])["transfer_id"] == history[-1]["data"]["transfer_id"]

    @pytest.mark.parametrize(
        ("accept", "kind"),
        [
            (None, "application/json"),
            ("*/*", "application/json"),
            ("application/json, text/csv;q=0.5", "application/json"),
            ("text/csv;q=0.9, application/json;q=0.5", "text/csv"),
            ("text/csv, */*;q=0.1", "text/csv"),
        ],
    )
    def test_json_stays_the_default_unless_csv_is_preferred(
        self, api: Api, accept: str | None, kind: str
    ) -> None:
        case_id = api.open_case()["case_id"]
        headers = {"Accept": accept} if accept else {}

        response = api.auditor.get(f"/v1/cases/{case_id}/history", headers=headers)

        assert response.status_code == 200
        assert response.headers["content-type"].startswith(kind)

    def test_is_refused_to_the_mash_and_hidden_from_other_authorities(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]

        assert_problem(
            api.mash.get(f"/v1/cases/{case_id}/history", headers=CSV), 403, "role-not-permitted"
        )
        assert_problem(
            api.leeds.get(f"/v1/cases/{case_id}/history", headers=CSV), 404, "case-not-found"
        )

    def test_the_openapi_document_offers_csv(self, api: Api) -> None:
        document = api.client.get("/openapi.json").json()
        answers = document["paths"]["/v1/cases/{case_id}/history"]["get"]["responses"]["200"]

        assert set(answers["content"]) == {"application/json", "text/csv"}
