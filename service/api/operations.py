"""The ``operationId`` of every route: short, stable names that generated clients use as
method names (``acceptTransfer``, not FastAPI's ``accept_responsibility_v1_cases_...``).

Keyed by method and path, so renaming a Python function never renames a client's
method; a route missing here fails the document's generation, so none is forgotten.
"""

from __future__ import annotations

from fastapi.routing import APIRoute, APIRouter
from fastapi.utils import generate_unique_id

from .routing import OneHandOffRoute

CASE = "/v1/cases/{case_id}"
TRANSFER = f"{CASE}/transfers/{{transfer_id}}"
DISCUSSION = f"{CASE}/strategy-discussions/{{discussion_id}}"
DIFFERENCE = f"{CASE}/professional-differences/{{difference_id}}"
SUBSCRIPTION = "/v1/subscriptions/{subscription_id}"

OPERATION_IDS: dict[tuple[str, str], str] = {
    ("GET", "/health/live"): "getLiveness",
    ("GET", "/health/ready"): "getReadiness",
    ("GET", "/v1/authorities"): "listAuthorities",
    ("GET", "/v1/authorities/{code}/caseload"): "getCaseload",
    ("GET", "/v1/cases"): "findCases",
    ("GET", "/v1/cases/by-nhs-number"): "findChildCases",
    ("GET", "/v1/cases/by-local-reference"): "findCasesByLocalReference",
    ("POST", "/v1/cases"): "openCase",
    ("GET", CASE): "getCase",
    ("GET", f"{CASE}/responsibility"): "getResponsibility",
    ("GET", f"{CASE}/timeline"): "getTimeline",
    ("GET", f"{CASE}/history"): "getHistory",
    ("POST", f"{CASE}/local-references"): "recordLocalReference",
    ("POST", f"{CASE}/assessments"): "recordAssessment",
    ("POST", f"{CASE}/closure"): "closeCase",
    ("POST", f"{CASE}/transfers"): "proposeTransfer",
    ("GET", TRANSFER): "getTransfer",
    ("POST", f"{TRANSFER}/information-shared"): "shareInformation",
    ("POST", f"{TRANSFER}/information-received"): "confirmInformationReceived",
    ("POST", f"{TRANSFER}/date-proposals"): "proposeTransferDate",
    ("POST", f"{TRANSFER}/date-agreement"): "agreeTransferDate",
    ("POST", f"{TRANSFER}/acceptance"): "acceptTransfer",
    ("POST", f"{TRANSFER}/decline"): "declineTransfer",
    ("POST", f"{TRANSFER}/withdrawal"): "withdrawTransfer",
    ("GET", f"{CASE}/strategy-discussions"): "listDiscussions",
    ("POST", f"{CASE}/strategy-discussions"): "conveneDiscussion",
    ("GET", DISCUSSION): "getDiscussion",
    ("POST", f"{DISCUSSION}/minutes"): "circulateMinutes",
    ("POST", f"{DISCUSSION}/acknowledgements"): "acknowledgeMinutes",
    ("POST", f"{DISCUSSION}/outcome"): "recordDiscussionOutcome",
    ("POST", f"{DISCUSSION}/dissents"): "recordDissent",
    ("POST", f"{DISCUSSION}/dissents/{{dissent_id}}/withdrawal"): "withdrawDissent",
    ("GET", f"{CASE}/professional-differences"): "listDifferences",
    ("POST", f"{CASE}/professional-differences"): "raiseDifference",
    ("GET", DIFFERENCE): "getDifference",
    ("POST", f"{DIFFERENCE}/responses"): "respondToDifference",
    ("POST", f"{DIFFERENCE}/escalation"): "escalateDifference",
    ("POST", f"{DIFFERENCE}/resolution"): "resolveDifference",
    ("POST", f"{DIFFERENCE}/closure"): "closeDifference",
    ("GET", "/v1/transfers"): "listTransfers",
    ("GET", "/v1/worklist"): "getWorklist",
    ("GET", "/v1/events"): "getEventFeed",
    ("GET", "/v1/access-log"): "getAccessLog",
    ("GET", "/v1/ledger/checkpoint"): "getLedgerCheckpoint",
    ("GET", "/v1/ledger/keys"): "listLedgerKeys",
    ("GET", "/v1/subscriptions"): "listSubscriptions",
    ("POST", "/v1/subscriptions"): "createSubscription",
    ("GET", SUBSCRIPTION): "getSubscription",
    ("DELETE", SUBSCRIPTION): "deleteSubscription",
    ("POST", f"{SUBSCRIPTION}/ping"): "pingSubscription",
    ("POST", f"{SUBSCRIPTION}/secret-rotation"): "rotateSubscriptionSecret",
    ("GET", f"{SUBSCRIPTION}/deliveries"): "listDeliveries",
    ("POST", f"{SUBSCRIPTION}/deliveries/{{delivery_id}}/retry"): "retryDelivery",
}


def operation_id(route: APIRoute) -> str:
    """The route's name in the table (FastAPI's ``generate_unique_id_function``); a
    route left out of the document keeps FastAPI's name."""
    if not route.include_in_schema:
        return generate_unique_id(route)
    methods = sorted((route.methods or set()) - {"HEAD", "OPTIONS"})
    try:
        return "".join(OPERATION_IDS[(method, route.path_format)] for method in methods)
    except KeyError:
        raise LookupError(
            f"{methods} {route.path_format} has no operationId: add it to service/api/operations.py"
        ) from None


def api_router(prefix: str, tags: list[str]) -> APIRouter:
    """A router of the API whose routes are named from the table when they are made.

    ``create_api`` adds these routes to each app as they are, not by ``include_router``:
    FastAPI rebuilds an included router's routes for every app on its first request
    (about 5 ms a route), which each test's app and each replica's start paid again.
    """
    return APIRouter(
        prefix=prefix,
        tags=list(tags),
        generate_unique_id_function=operation_id,
        route_class=OneHandOffRoute,  # one thread-pool hand-off per request (routing.py)
    )
