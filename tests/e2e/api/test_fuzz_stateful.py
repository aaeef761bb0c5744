"""Schemathesis as a peer runs it: every check on, following the document's links.

The stateful phase starts from the operations that create something (``openCase``,
``proposeTransfer``, ``conveneDiscussion``, ``raiseDifference``, ``createSubscription``)
and follows the OpenAPI links from their answers to the operations taking their ids, so
it reaches transfer steps with real ids instead of meeting 404s. It runs with Somerset's
token against the real app on a fresh SQLite file, and every check schemathesis has is
on: no 5xx, every answer documented, schema-valid requests accepted or refused by a
rule (never 422), schema-invalid ones refused, no resource usable after it is gone.

What no schema can say is given to the generator by hooks, each saying why: valid NHS
numbers (``format: nhs-number``), text the record takes, a plausible date of birth, an
Idempotency-Key per request; and the few operations whose dates are bounded by today
may answer 422 (``BEYOND_THE_SCHEMA``). Everything else the document states exactly.

Bounded and repeatable: a fixed seed, derandomised, 60 scenarios of up to 12 steps.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, assume, settings
from hypothesis import strategies as st
from schemathesis.python import asgi

from service.asgi import create_app
from service.settings import Settings
from tests.paths import REPOSITORY

COMMITTED = REPOSITORY / "openapi" / "openapi.json"

# Where a schema-valid request may still be refused 422: rules no JSON Schema can state.
BEYOND_THE_SCHEMA = {
    # A date of birth within the last 25 years and not in the future.
    "openCase": "birth-date-required, implausible-date-of-birth",
    # One lookup at a time (the operation says so; OpenAPI parameters cannot, short of
    # one exploded object parameter, which generated clients do not support).
    "findCases": "conflicting-query",
    # An endpoint must be reachable and public (loopback HTTP only in development).
    "createSubscription": "endpoint-*",
    # Dates bounded by today: a transfer date from today to the horizon, an assessment
    # not in the future.
    "proposeTransferDate": "date-in-past, transfer-date-beyond-horizon",
    "agreeTransferDate": "date-in-past, transfer-date-beyond-horizon",
    "recordAssessment": "date-in-future, assessment-before-child",
}
# Refused for the state of the case, not for the request: 409 a rule, 412 a stale If-Match.
ACCEPTED = ["2xx", "401", "403", "404", "409", "412"]
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20261129,
        "generation": {"deterministic": True, "database": "none", "max-examples": 60},
        "phases": {
            "examples": {"enabled": False},
            "coverage": {"enabled": False},
            "fuzzing": {"enabled": False},
            "stateful": {"enabled": True, "max-steps": 12},
        },
        "checks": {
            "enabled": True,
            "positive_data_acceptance": {"expected-statuses": ACCEPTED},
        },
        "operations": [
            {
                "include-operation-id": operation_id,
                "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}},
            }
            for operation_id in BEYOND_THE_SCHEMA
        ],
    }
)
schema = schemathesis.openapi.from_path(COMMITTED, config=CONFIG)


@st.composite
def nhs_numbers(draw: st.DrawFn) -> str:
    """Valid NHS numbers (the document's ``format: nhs-number``)."""
    first_nine = draw(st.from_regex(r"\A[0-9]{9}\Z"))
    check = 11 - sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True)) % 11
    digits = first_nine + str(0 if check == 11 else check)
    assume(check != 10 and len(set(digits)) > 1)
    return digits


schemathesis.openapi.format("nhs-number", nhs_numbers())


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@schema.hook
def filter_body(context: schemathesis.HookContext, body: Any) -> bool:
    """Text as the record takes it (``service.domain.text``), which no pattern can say
    for every Unicode version: not blank, and no control, format, private-use,
    unassigned or surrogate character (tabs and line breaks aside). The fuzzing of
    ``test_fuzz_schemathesis`` sends the refused ones, and checks they are refused."""
    return all(
        text.strip()
        and not any(
            unicodedata.category(c) in REFUSED and c not in "\t\n\r\u200c\u200d" for c in text
        )
        for text in _strings(body)
    )


@schema.hook
def map_headers(context: schemathesis.HookContext, headers: Any) -> Any:
    """An Idempotency-Key per request, as case systems make them: a key sent again with
    another body is 422 ``idempotency-key-reused`` by design, and generated keys repeat."""
    if not isinstance(headers, dict) or "idempotency-key" not in headers:
        return headers
    return {**headers, "idempotency-key": uuid4().hex}


@schema.hook
def map_body(context: schemathesis.HookContext, body: Any) -> Any:
    """A child's dates as the rules take them, which no schema can say: one of the two,
    a birth date within the last 25 years and not in the future (the fuzzing of
    ``test_fuzz_schemathesis`` tries the refused ones)."""
    operation = context.operation
    if operation is None or operation.label != "POST /v1/cases" or not isinstance(body, dict):
        return body
    kept = {k: v for k, v in body.items() if k not in DATES}
    return {**kept, "date_of_birth": (date.today() - timedelta(days=4000)).isoformat()}


TARGET: dict[str, Any] = {}
DATES = ("date_of_birth", "expected_date_of_birth")
REFUSED = {"Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp"}  # Unicode categories
REACHED: list[tuple[str, int]] = []  # ("METHOD path", status) of every call made


@schema.auth()
class Token:
    """Somerset's token, as schemathesis's own authentication: its checks that send no
    token, or a wrong one, know to expect a 401."""

    def get(self, case: schemathesis.Case[Any], context: Any) -> str:
        return str(TARGET["token"])

    def set(self, case: schemathesis.Case[Any], token: str, context: Any) -> None:
        case.headers["Authorization"] = f"Bearer {token}"


class Peer(schema.as_state_machine()):  # type: ignore[misc]  # made from the document
    """Calls the app in-process."""

    def get_call_kwargs(self, case: schemathesis.Case[Any]) -> dict[str, Any]:
        return {"app": TARGET["app"]}

    def after_call(self, response: Any, case: schemathesis.Case[Any]) -> None:
        super().after_call(response, case)
        REACHED.append((case.operation.label, response.status_code))


@pytest.fixture(scope="module")
def target(
    tmp_path_factory: pytest.TempPathFactory, principals: tuple[Path, dict[str, str]]
) -> Iterator[FastAPI]:
    database = tmp_path_factory.mktemp("stateful") / "events.sqlite3"
    configured = Settings(database_url=f"sqlite:///{database}", principals_file=principals[0])
    app = create_app(configured)
    schema.app = app  # every call, the checks' own too, goes to it in-process
    TARGET.update(app=app, token=principals[1]["somerset"])
    try:
        yield app
    finally:
        TARGET.clear()
        schema.app = None
        asgi.shutdown_lifespans()


@pytest.mark.skipif(
    not os.environ.get("CASE_TRANSFER_FUZZ_STATEFUL"),
    reason="the stateful fuzzing run takes a minute and its replay of a failure was found "
    "flaky under load (hypothesis FlakyStrategyDefinition): set CASE_TRANSFER_FUZZ_STATEFUL=1 "
    "to run it",
)
def test_a_stateful_run_with_every_check_finds_nothing(target: FastAPI) -> None:
    Peer.run(
        settings=settings(
            max_examples=60,
            stateful_step_count=12,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )

    # It gets past the door into the rules: along the links from a case it opened to a
    # transfer it proposed, and on to that transfer's steps (answered, not 404).
    reached = {(label, status) for label, status in REACHED if status != 404}
    assert {("POST /v1/cases", 201), ("POST /v1/cases/{case_id}/transfers", 201)} <= reached
    assert any("{transfer_id}" in label for label, _ in reached), sorted(reached)
