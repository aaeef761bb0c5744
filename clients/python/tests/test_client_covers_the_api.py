"""The client has a method for every operation of the service's OpenAPI document.

When the service gains a route, this fails until the client has a method for it (in
both clients: they take their methods from the same route functions).
"""

from __future__ import annotations

import json
from pathlib import Path

from case_transfer_client import AsyncCaseTransferClient, CaseTransferClient

DOCUMENT = Path(__file__).parents[3] / "openapi" / "openapi.json"

METHODS = {
    ("GET", "/health/live"): "live",
    ("GET", "/health/ready"): "ready",
    ("GET", "/v1/access-log"): "access_log",
    ("GET", "/v1/authorities"): "list_authorities",
    ("GET", "/v1/authorities/{code}/caseload"): "caseload",
    ("GET", "/v1/cases"): "find_cases",
    ("POST", "/v1/cases"): "open_case",
    ("GET", "/v1/cases/{case_id}"): "get_case",
    ("POST", "/v1/cases/{case_id}/assessments"): "record_assessment",
    ("POST", "/v1/cases/{case_id}/closure"): "close_case",
    ("GET", "/v1/cases/{case_id}/history"): "history",
    ("POST", "/v1/cases/{case_id}/local-references"): "record_local_reference",
    ("GET", "/v1/cases/{case_id}/responsibility"): "responsibility",
    ("GET", "/v1/cases/{case_id}/timeline"): "timeline",
    ("POST", "/v1/cases/{case_id}/transfers"): "propose_transfer",
    ("GET", "/v1/cases/{case_id}/transfers/{transfer_id}"): "get_transfer",
    ("POST", "/v1/cases/{case_id}/transfers/{transfer_id}/acceptance"): "accept_transfer",
    ("POST", "/v1/cases/{case_id}/transfers/{transfer_id}/date-agreement"): "agree_transfer_date",
    ("POST", "/v1/cases/{case_id}/transfers/{transfer_id}/date-proposals"): (
        "propose_transfer_date"
    ),
    ("POST", "/v1/cases/{case_id}/transfers/{transfer_id}/decline"): "decline_transfer",
    ("POST", "/v1/cases/{case_id}/transfers/{transfer_id}/information-received"): (
        "confirm_information_received"
    ),
    ("POST", "/v1/cases/{case_id}/transfers/{transfer_id}/information-shared"): (
        "share_information"
    ),
    ("POST", "/v1/cases/{case_id}/transfers/{transfer_id}/withdrawal"): "withdraw_transfer",
    ("GET", "/v1/events"): "event_feed",
    ("GET", "/v1/ledger/checkpoint"): "ledger_checkpoint",
    ("GET", "/v1/ledger/keys"): "ledger_keys",
    ("GET", "/v1/transfers"): "list_transfers",
    ("GET", "/v1/worklist"): "worklist",
}
ITERATORS = {
    "caseload": "iter_caseload",
    "find_cases": "iter_cases",
    "list_transfers": "iter_transfers",
    "worklist": "iter_worklist",
    "event_feed": "iter_events",
    "access_log": "iter_access_log",
}


def test_every_operation_of_the_document_has_a_method_in_both_clients() -> None:
    document = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    operations = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert operations == set(METHODS)
    for client in (CaseTransferClient, AsyncCaseTransferClient):
        for name in METHODS.values():
            assert getattr(client, name).__doc__, (client, name)
        for name, iterator in ITERATORS.items():
            assert getattr(client, iterator).build is getattr(client, name).build
