"""The client has a method for every operation of the service's OpenAPI document.

When the service gains a route, this fails until the client has a method for it (in
both clients: they take their methods from the same route functions).
"""

from __future__ import annotations

import json
from pathlib import Path

from case_transfer_client import AsyncCaseTransferClient, CaseTransferClient

DOCUMENT = Path(__file__).parents[3] / "openapi" / "openapi.json"
DISCUSSION = "/v1/cases/{case_id}/strategy-discussions/{discussion_id}"
DIFFERENCE = "/v1/cases/{case_id}/professional-differences/{difference_id}"
SUBSCRIPTION = "/v1/subscriptions/{subscription_id}"

METHODS = {
    ("GET", "/health/live"): "live",
    ("GET", "/health/ready"): "ready",
    ("GET", "/v1/access-log"): "access_log",
    ("GET", "/v1/authorities"): "list_authorities",
    ("GET", "/v1/authorities/{code}/caseload"): "caseload",
    ("GET", "/v1/cases"): "find_cases",
    ("GET", "/v1/cases/by-nhs-number"): "find_child_cases",
    ("GET", "/v1/cases/by-local-reference"): "find_cases_by_local_reference",
    ("POST", "/v1/cases"): "open_case",
    ("GET", "/v1/cases/{case_id}"): "get_case",
    ("POST", "/v1/cases/{case_id}/assessments"): "record_assessment",
    ("POST", "/v1/cases/{case_id}/closure"): "close_case",
    ("GET", "/v1/cases/{case_id}/history"): "history",
    ("POST", "/v1/cases/{case_id}/local-references"): "record_local_reference",
    ("GET", "/v1/cases/{case_id}/responsibility"): "responsibility",
    ("POST", "/v1/cases/{case_id}/strategy-discussions"): "convene_discussion",
    ("GET", "/v1/cases/{case_id}/strategy-discussions"): "list_discussions",
    ("GET", DISCUSSION): "get_discussion",
    ("POST", f"{DISCUSSION}/outcome"): "record_discussion_outcome",
    ("POST", f"{DISCUSSION}/minutes"): "circulate_minutes",
    ("POST", f"{DISCUSSION}/acknowledgements"): "acknowledge_minutes",
    ("POST", f"{DISCUSSION}/dissents"): "record_dissent",
    ("POST", f"{DISCUSSION}/dissents/{{dissent_id}}/withdrawal"): "withdraw_dissent",
    ("POST", "/v1/cases/{case_id}/professional-differences"): "raise_difference",
    ("GET", "/v1/cases/{case_id}/professional-differences"): "list_differences",
    ("GET", DIFFERENCE): "get_difference",
    ("POST", f"{DIFFERENCE}/responses"): "respond_to_difference",
    ("POST", f"{DIFFERENCE}/escalation"): "escalate_difference",
    ("POST", f"{DIFFERENCE}/resolution"): "resolve_difference",
    ("POST", f"{DIFFERENCE}/closure"): "close_difference_unresolved",
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
    ("POST", "/v1/subscriptions"): "register_subscription",
    ("GET", "/v1/subscriptions"): "list_subscriptions",
    ("GET", SUBSCRIPTION): "get_subscription",
    ("DELETE", SUBSCRIPTION): "delete_subscription",
    ("POST", f"{SUBSCRIPTION}/ping"): "ping_subscription",
    ("POST", f"{SUBSCRIPTION}/secret-rotation"): "rotate_subscription_secret",
    ("GET", f"{SUBSCRIPTION}/deliveries"): "deliveries",
    ("POST", f"{SUBSCRIPTION}/deliveries/{{delivery_id}}/retry"): "retry_delivery",
    ("GET", "/v1/transfers"): "list_transfers",
    ("GET", "/v1/worklist"): "worklist",
}
ITERATORS = {
    "caseload": "iter_caseload",
    "find_cases": "iter_cases",
    "find_cases_by_local_reference": "iter_cases_by_local_reference",
    "list_transfers": "iter_transfers",
    "worklist": "iter_worklist",
    "event_feed": "iter_events",
    "access_log": "iter_access_log",
    "deliveries": "iter_deliveries",
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
