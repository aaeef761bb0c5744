"""Who gets which answer, on every route, for a case mid-transfer Somerset -> Bristol.

The matrix is written out once, below: a row per route, a column per kind of
principal, each cell the documented status. A 401, 403 or 404 carries the same
problem code everywhere but on the lists, whose refusals are named in ``LIST_REFUSALS``;
each 409 names its rule in ``RULES``. Two more principals are held to
the same row: a MASH of another area answers as ``mash`` does, an unknown token as no
token does.

Each write is sent on a fresh case (Somerset opened it and proposed a transfer to
Bristol, nothing more), so what one cell records never decides another; the reads of
a row share one. Behaviours beyond a status (an unrelated authority's NHS-number
lookup finds nothing, a former party still reads the case, ...) are in
test_visibility_and_roles.py.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .support import Api, Caller, assert_problem, random_nhs_number

COLUMNS = {  # column -> the caller (an attribute of Api) who plays it
    "resp": "somerset",  # the responsible authority, which proposed the transfer
    "recv": "bristol",  # the other party: the transfer's receiving authority
    "other": "leeds",  # an authority with no part in the case
    "mash": "mash",  # the Somerset MASH
    "audit": "auditor",
    "anon": "anonymous",  # no token
}

MATRIX = """
route                                                           resp  recv  other mash  audit anon
GET  /health/live                                               200   200   200   200   200   200
GET  /health/ready                                              200   200   200   200   200   200
GET  /v1/authorities                                            200   200   200   200   200   401
GET  /v1/cases/by-nhs-number?nhs_number={nhs}                  200   200   200   200   200   401
GET  /v1/cases                                                  200   200   200   422   422   401
GET  /v1/cases/by-local-reference?local_reference={ref}        200   200   200   200   200   401
GET  /v1/cases?responsible_authority=933                        200   403   403   403   200   401
GET  /v1/authorities/933/caseload                               200   403   403   403   200   401
GET  /v1/transfers                                              200   200   200   403   422   401
GET  /v1/transfers?authority=933                                200   403   403   403   200   401
GET  /v1/worklist                                               200   200   200   403   422   401
GET  /v1/worklist?authority=933                                 200   403   403   403   200   401
GET  /v1/ledger/checkpoint                                      200   200   200   403   200   401
GET  /v1/ledger/keys                                            200   200   200   200   200   401
POST /v1/cases                                                  201   201   201   403   403   401
GET  /v1/cases/{case}                                           200   200   404   200   200   401
GET  /v1/cases/{case}/responsibility                            200   200   404   200   200   401
GET  /v1/cases/{case}/timeline                                  200   200   404   200   200   401
GET  /v1/cases/{case}/history                                   200   200   404   403   200   401
GET  /v1/cases/{case}?as_known_at={now}                         200   200   404   200   200   401
GET  /v1/events                                                 403   403   403   403   200   401
GET  /v1/access-log                                             403   403   403   403   200   401
GET  /v1/access-log?case_id={case}                              200   200   404   403   200   401
GET  /v1/access-log?case_id={case}&principal=Auditor            403   403   403   403   200   401
GET  /v1/cases/{case}/transfers/{transfer}                      200   200   404   200   200   401
POST /v1/cases/{case}/local-references                          200   200   404   403   403   401
POST /v1/cases/{case}/assessments                               200   409   404   403   403   401
POST /v1/cases/{case}/closure                                   409   409   404   403   403   401
POST /v1/cases/{case}/transfers                                 409   409   404   403   403   401
POST /v1/cases/{case}/transfers/{transfer}/information-shared   200   409   404   403   403   401
POST /v1/cases/{case}/transfers/{transfer}/information-received 409   409   404   403   403   401
POST /v1/cases/{case}/transfers/{transfer}/date-proposals       200   200   404   403   403   401
POST /v1/cases/{case}/transfers/{transfer}/date-agreement       409   409   404   403   403   401
POST /v1/cases/{case}/transfers/{transfer}/acceptance           409   409   404   403   403   401
POST /v1/cases/{case}/transfers/{transfer}/decline              409   200   404   403   403   401
POST /v1/cases/{case}/transfers/{transfer}/withdrawal           200   409   404   403   403   401
"""

TRANSFER = "/v1/cases/{case}/transfers/{transfer}"
RULES = {  # the rule each 409 of the matrix names
    ("POST /v1/cases/{case}/assessments", "recv"): "not-responsible-authority",
    ("POST /v1/cases/{case}/closure", "resp"): "transfer-in-progress",
    ("POST /v1/cases/{case}/closure", "recv"): "not-responsible-authority",
    ("POST /v1/cases/{case}/transfers", "resp"): "transfer-in-progress",
    ("POST /v1/cases/{case}/transfers", "recv"): "not-responsible-authority",
    (f"POST {TRANSFER}/information-shared", "recv"): "not-responsible-authority",
    (f"POST {TRANSFER}/information-received", "resp"): "not-receiving-authority",
    (f"POST {TRANSFER}/information-received", "recv"): "information-not-shared",
    (f"POST {TRANSFER}/date-agreement", "resp"): "no-date-proposed",
    (f"POST {TRANSFER}/date-agreement", "recv"): "no-date-proposed",
    (f"POST {TRANSFER}/acceptance", "resp"): "not-receiving-authority",
    (f"POST {TRANSFER}/acceptance", "recv"): "assessment-required",
    (f"POST {TRANSFER}/decline", "resp"): "not-receiving-authority",
    (f"POST {TRANSFER}/withdrawal", "recv"): "not-responsible-authority",
}
CODES = {401: "unauthenticated", 403: "role-not-permitted", 404: "case-not-found"}
LIST_REFUSALS = {  # the code of each refusal of a list, where CODES does not give it
    **{("GET /v1/cases", c): "query-required" for c in ("mash", "audit")},
    **{
        (f"GET {path}", column): code
        for path in (
            "/v1/cases?responsible_authority=933",
            "/v1/authorities/933/caseload",
            "/v1/transfers?authority=933",
            "/v1/worklist?authority=933",
        )
        for column, code in (
            ("recv", "not-own-authority"),
            ("other", "not-own-authority"),
            ("mash", "lists-not-for-mash"),
        )
    },
    **{
        (f"GET {path}", column): code
        for path in ("/v1/transfers", "/v1/worklist")
        for column, code in (("mash", "lists-not-for-mash"), ("audit", "authority-required"))
    },
    ("GET /v1/ledger/checkpoint", "mash"): "ledger-not-for-mash",  # not a list, refused alike
    **{("GET /v1/events", c): "feed-for-auditors" for c in ("resp", "recv", "other", "mash")},
    **{
        (f"GET /v1/access-log{query}", column): "access-log-for-auditors"
        for query, columns in (
            ("", ("resp", "recv", "other", "mash")),
            ("?case_id={case}", ("mash",)),
            ("?case_id={case}&principal=Auditor", ("resp", "recv", "other", "mash")),
        )
        for column in columns
    },
}

BODIES: dict[str, dict[str, Any]] = {  # "TODAY" and "NEW" are filled in when sent
    "/v1/cases": {"local_reference": "R-1", "nhs_number": "NEW", "date_of_birth": "2019-05-04"},
    "/v1/cases/{case}/local-references": {"reference": "REF-1"},
    "/v1/cases/{case}/assessments": {
        "completed_on": "TODAY",
        "factors": ["21"],
        "primary_need_code": "N9",
        "summary": "S",
    },
    "/v1/cases/{case}/closure": {"reason_code": "RC8"},
    "/v1/cases/{case}/transfers": {"to_authority": "383", "reason": "Family moved"},
    f"{TRANSFER}/information-shared": {"categories": ["a"], "shared_on": "TODAY"},
    f"{TRANSFER}/date-proposals": {"date": "TODAY"},
    f"{TRANSFER}/date-agreement": {"date": "TODAY"},
    f"{TRANSFER}/decline": {"reason": "No"},
    f"{TRANSFER}/withdrawal": {"reason": "No"},
}
Row = dict[str, int]


def _rows() -> dict[str, Row]:
    header, *lines = MATRIX.strip().splitlines()
    columns = header.split()[1:]
    assert columns == list(COLUMNS)
    rows = {}
    for line in lines:
        method, path, *statuses = line.split()
        rows[f"{method} {path}"] = dict(zip(columns, map(int, statuses), strict=True))
    return rows


ROWS = _rows()


def test_every_refusal_of_the_matrix_names_its_rule() -> None:
    refusals = {(route, c) for route, row in ROWS.items() for c, s in row.items() if s == 409}

    assert refusals == set(RULES)


def test_every_refusal_of_a_list_is_a_refusal_of_the_matrix() -> None:
    assert all(ROWS[route][column] in (403, 422) for route, column in LIST_REFUSALS)


@pytest.mark.parametrize("route", list(ROWS))
def test_every_principal_gets_the_documented_answer(api: Api, route: str) -> None:
    method, path = route.split(" ")
    shared = _fresh_case(api) if method == "GET" else None  # reads change nothing
    callers = _callers(api)
    expected = {
        label: _answer(route, column, ROWS[route][column]) for label, (column, _) in callers.items()
    }

    actual = {}
    for label, (_, caller) in callers.items():
        response = _send(api, caller, method, path, shared or _fresh_case(api))
        actual[label] = _answer_of(response)

    assert actual == expected


def _callers(api: Api) -> dict[str, tuple[str, Caller]]:
    """Each caller, by label, with the column of the matrix it answers to."""
    callers = {column: (column, getattr(api, name)) for column, name in COLUMNS.items()}
    callers["mash of another area"] = ("mash", api.leeds_mash)
    callers["unknown token"] = ("anon", Caller(api.client, "not-a-real-token"))
    return callers


def _answer(route: str, column: str, status: int) -> tuple[int, str | None]:
    if status < 400:
        return status, None
    if status == 409:
        return status, RULES[(route, column)]
    return status, LIST_REFUSALS.get((route, column)) or CODES[status]


def _answer_of(response: httpx.Response) -> tuple[int, str | None]:
    """The status and, for a problem, its code (checked to be a whole RFC 9457 problem)."""
    if response.status_code < 400:
        return response.status_code, None
    code = response.json().get("code")
    assert_problem(response, response.status_code, code)
    if response.status_code == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    return response.status_code, code


def _fresh_case(api: Api) -> dict[str, str]:
    """A new Somerset case whose transfer to Bristol is proposed: its ids, NHS number,
    Somerset's reference, and an instant once it was proposed (for ``as_known_at``)."""
    case = api.open_case()
    transfer_id = api.propose(case["case_id"], to="801")
    return {
        "case": case["case_id"],
        "transfer": transfer_id,
        "nhs": case["child"]["nhs_number"],
        "ref": case["local_references"][0]["reference"],
        "now": api.clock.now().isoformat().replace("+00:00", "Z"),
    }


def _send(api: Api, caller: Caller, method: str, path: str, ids: dict[str, str]) -> httpx.Response:
    url = path.format(**ids)
    if method == "GET":
        return caller.get(url)
    fill = {"TODAY": api.clock.today().isoformat(), "NEW": random_nhs_number()}
    body = BODIES.get(path)
    if body is not None:
        body = {k: fill.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    return caller.post(url, json=body)
