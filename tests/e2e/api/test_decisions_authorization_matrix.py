"""Who gets which answer on the routes of the decisions on the record, and what a partner
gets on the rest of a case: the authorization matrix grown by three partner columns.

The case: Somerset opened it, convened a discussion inviting the police, the hospital and
a GP practice, recorded its outcome (the police and the hospital attended) and sent the
minutes to everyone; the hospital dissented and raised a professional difference with
Somerset; then Somerset proposed a transfer to Bristol. Each write is sent on a fresh
such case. The policy does not depend on the store, so this matrix runs on SQLite only
(the routes' behaviour on both stores is in the route tests).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .decision_support import (
    convene,
    dissent,
    dissent_id_of,
    iso,
    minuted,
    raise_difference,
)
from .support import Api, Caller
from .test_authorization_matrix import _answer_of

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

COLUMNS = {
    "resp": "somerset",
    "recv": "bristol",
    "other": "leeds",
    "mash": "mash",
    "audit": "auditor",
    "anon": "anonymous",
    "pol": "police",  # a partner invited, attending, not a side of the difference
    "hosp": "hospital",  # a partner invited, dissenting, the side that raised the difference
    "sch": "school",  # a partner with no part in the case
}

D = "/v1/cases/{case}/strategy-discussions"
P = "/v1/cases/{case}/professional-differences"
MATRIX = f"""
route                                                 resp recv other mash audit anon  pol hosp  sch
GET  /v1/cases/{{case}}                                200  200  404  200  200  401  404  404  404
GET  /v1/cases/{{case}}/responsibility                 200  200  404  200  200  401  404  404  404
GET  /v1/cases/{{case}}/timeline                       200  200  404  200  200  401  404  404  404
GET  /v1/cases/{{case}}/history                        200  200  404  403  200  401  404  404  404
GET  /v1/cases/{{case}}/transfers/{{transfer}}         200  200  404  200  200  401  404  404  404
GET  /v1/worklist                                      200  200  200  403  422  401  200  200  200
GET  /v1/transfers                                     200  200  200  403  422  401  403  403  403
GET  /v1/events                                        403  403  403  403  200  401  403  403  403
GET  /v1/access-log?case_id={{case}}                   200  200  404  403  200  401  403  403  403
GET  {D}                                               200  200  404  200  200  401  200  200  404
GET  {D}/{{discussion}}                                200  200  404  200  200  401  200  200  404
GET  {P}                                               200  200  404  200  200  401  200  200  404
GET  {P}/{{difference}}                                200  200  404  200  200  401  404  200  404
POST {D}                                               201  409  404  403  403  401  403  403  404
POST {D}/{{discussion}}/outcome                        409  409  404  403  403  401  403  403  404
POST {D}/{{discussion}}/minutes                        200  409  404  403  403  401  403  403  404
POST {D}/{{discussion}}/acknowledgements               409  409  404  403  403  401  200  409  404
POST {D}/{{discussion}}/dissents                       409  409  404  403  403  401  201  201  404
POST {D}/{{discussion}}/dissents/{{dissent}}/withdrawal  409  409  404  403  403  401  409  200  404
POST {P}                                               201  201  404  403  403  401  201  422  404
POST {P}/{{difference}}/responses                      200  409  404  403  403  401  409  409  404
POST {P}/{{difference}}/escalation                     200  409  404  403  403  401  409  200  404
POST {P}/{{difference}}/resolution                     200  409  404  403  403  401  409  200  404
POST {P}/{{difference}}/closure                        200  409  404  403  403  401  409  200  404
"""

RULES = {
    (f"POST {D}", "recv"): "not-responsible-authority",
    (f"POST {D}/{{discussion}}/outcome", "resp"): "outcome-already-recorded",
    (f"POST {D}/{{discussion}}/outcome", "recv"): "not-responsible-authority",
    (f"POST {D}/{{discussion}}/minutes", "recv"): "not-responsible-authority",
    (f"POST {D}/{{discussion}}/acknowledgements", "resp"): "not-attending-agency",
    (f"POST {D}/{{discussion}}/acknowledgements", "recv"): "not-attending-agency",
    (f"POST {D}/{{discussion}}/acknowledgements", "hosp"): "dissent-not-withdrawn",
    (f"POST {D}/{{discussion}}/dissents", "resp"): "not-attending-agency",
    (f"POST {D}/{{discussion}}/dissents", "recv"): "not-attending-agency",
    **{
        (f"POST {D}/{{discussion}}/dissents/{{dissent}}/withdrawal", c): "not-dissenting-agency"
        for c in ("resp", "recv", "pol")
    },
    **{
        (f"POST {P}/{{difference}}/{step}", c): "not-difference-side"
        for step in ("responses", "escalation", "resolution", "closure")
        for c in ("recv", "pol")
    },
    (f"POST {P}/{{difference}}/responses", "hosp"): "not-responding-agency",
}
CODES = {401: "unauthenticated", 403: "role-not-permitted", 404: "case-not-found", 422: ""}
OTHER_CODES = {
    (f"GET {P}/{{difference}}", "pol"): "difference-not-found",
    (f"POST {P}", "hosp"): "difference-with-itself",
    **{(f"GET /v1/{path}", "mash"): "lists-not-for-mash" for path in ("worklist", "transfers")},
    **{(f"GET /v1/{path}", "audit"): "authority-required" for path in ("worklist", "transfers")},
    **{("GET /v1/events", c): "feed-for-auditors" for c in COLUMNS if c not in ("audit", "anon")},
    **{
        ("GET /v1/access-log?case_id={case}", c): "access-log-for-auditors"
        for c in ("mash", "pol", "hosp", "sch")
    },
}

BODIES: dict[str, Any] = {
    D: "CONVENE",
    f"{D}/{{discussion}}/outcome": {
        "held_at": "NOW",
        "attended": ["933"],
        "outcome": "no-further-action",
        "rationale": "R",
    },
    f"{D}/{{discussion}}/minutes": {"to": ["police-avon-somerset"], "circulated_at": "NOW"},
    f"{D}/{{discussion}}/acknowledgements": {},
    f"{D}/{{discussion}}/dissents": {"account": "Our account."},
    P: {
        "responded_by": "hospital-musgrove",
        "about": "A",
        "disputed": "D",
        "outcome_sought": "O",
        "held_by": "H",
    },
    f"{P}/{{difference}}/responses": {"response": "R"},
    f"{P}/{{difference}}/escalation": {"held_by": "H", "reason": "R"},
    f"{P}/{{difference}}/resolution": {"outcome_statement": "S"},
    f"{P}/{{difference}}/closure": {"reason": "R"},
}


def _rows() -> dict[str, dict[str, int]]:
    header, *lines = MATRIX.strip().splitlines()
    assert header.split()[1:] == list(COLUMNS)
    rows = {}
    for line in lines:
        method, path, *statuses = line.split()
        rows[f"{method} {path}"] = dict(zip(COLUMNS, map(int, statuses), strict=True))
    return rows


ROWS = _rows()


def test_every_refusal_names_its_rule() -> None:
    refusals = {(route, c) for route, row in ROWS.items() for c, s in row.items() if s == 409}
    assert refusals == set(RULES)


@SQLITE_ONLY
@pytest.mark.parametrize("route", list(ROWS))
def test_every_principal_gets_the_documented_answer(api: Api, route: str) -> None:
    method, path = route.split(" ")
    shared = _fresh_case(api) if method == "GET" else None
    expected: dict[str, tuple[int, str | None]] = {}
    actual: dict[str, tuple[int, str | None]] = {}
    for column, name in COLUMNS.items():
        status = ROWS[route][column]
        if status < 400:
            expected[column] = (status, None)
        elif status == 409:
            expected[column] = (status, RULES[(route, column)])
        else:
            expected[column] = (status, OTHER_CODES.get((route, column)) or CODES[status])
        caller: Caller = getattr(api, name)
        response = _send(api, caller, method, path, shared or _fresh_case(api))
        actual[column] = _answer_of(response)
    assert actual == expected


def _fresh_case(api: Api) -> dict[str, str]:
    case_id = api.open_case()["case_id"]
    discussion_id = minuted(api, case_id)
    dissent_id = dissent_id_of(dissent(api, case_id, discussion_id))
    difference_id = raise_difference(api, case_id).json()["difference_id"]
    transfer_id = api.propose(case_id, to="801")
    return {
        "case": case_id,
        "transfer": transfer_id,
        "discussion": discussion_id,
        "dissent": dissent_id,
        "difference": difference_id,
    }


def _send(api: Api, caller: Caller, method: str, path: str, ids: dict[str, str]) -> httpx.Response:
    url = path.format(**ids)
    if method == "GET":
        return caller.get(url)
    body = BODIES.get(path)
    if body == "CONVENE":
        return convene(api, ids["case"], by=caller)
    if isinstance(body, dict):
        body = {k: iso(api, seconds=-1) if v == "NOW" else v for k, v in body.items()}
    return caller.post(url, json=body)
