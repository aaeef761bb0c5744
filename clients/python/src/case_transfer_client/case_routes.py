"""The routes of authorities and cases: what to send and how to read the answer.

Each function here becomes a method of both clients (``CaseTransferClient`` and
``AsyncCaseTransferClient``) with the same name, parameters and docstring; the clients
send the ``Call`` it builds. A change (POST) takes ``expected_version=`` (If-Match:
refused with ``StaleVersionError`` if the case moved on) and ``idempotency_key=``
(made for you, and reused on retries, if you do not give one).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TypedDict, Unpack
from uuid import UUID

from . import models as m
from .calls import Call, read_text, reader

Id = UUID | str


def case_path(case_id: Id, *tail: str) -> str:
    """The path of a case (and what follows); an id that is not a UUID is a ValueError."""
    return "/".join((f"/v1/cases/{UUID(str(case_id))}", *tail))


def transfer_path(case_id: Id, transfer_id: Id, *step: str) -> str:
    return case_path(case_id, "transfers", str(UUID(str(transfer_id))), *step)


class Change(TypedDict, total=False):
    """What every change (POST) takes besides its own fields."""

    expected_version: int | None
    """The case version you acted on (If-Match); ``StaleVersionError`` if it moved on."""
    idempotency_key: str | None
    """Made for you if not given, and reused on the call's retries."""


def change(
    path: str, body: dict[str, Any] | None = None, **options: Unpack[Change]
) -> Call[m.CaseView]:
    return Call("POST", path, reader(m.CaseView), body=body or {}, **options)


# ---- authorities ---------------------------------------------------------------------


def list_authorities() -> Call[m.AuthorityList]:
    """Every authority a case can be opened by or transferred to."""
    return Call("GET", "/v1/authorities", reader(m.AuthorityList))


def caseload(
    code: str, *, at: datetime | None = None, cursor: str | None = None, limit: int | None = None
) -> Call[m.Caseload]:
    """The cases authority ``code`` is (or will be) responsible for at ``at``."""
    params = {"at": at, "cursor": cursor, "limit": limit}
    return Call("GET", f"/v1/authorities/{code}/caseload", reader(m.Caseload), params)


# ---- cases ---------------------------------------------------------------------------


def open_case(
    *,
    local_reference: str,
    nhs_number: str | None = None,
    date_of_birth: date | None = None,
    expected_date_of_birth: date | None = None,
    idempotency_key: str | None = None,
) -> Call[m.CaseView]:
    """Open a case; your authority is responsible from now.

    A child with an NHS number has one open case at a time: ``RuleRefusedError`` with
    code ``child-has-open-case`` names the responsible authority in
    ``problem.responsible_authority``.
    """
    body = {
        "local_reference": local_reference,
        "nhs_number": nhs_number,
        "date_of_birth": date_of_birth,
        "expected_date_of_birth": expected_date_of_birth,
    }
    return change("/v1/cases", body, idempotency_key=idempotency_key)


def find_cases(
    *,
    responsible_authority: str | None = None,
    status: m.Status | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Call[m.CaseList]:
    """A caseload: the cases ``responsible_authority`` (default yours) holds now
    (``open``) or closed (``closed``)."""
    params = {
        "responsible_authority": responsible_authority,
        "status": status,
        "cursor": cursor,
        "limit": limit,
    }
    return Call("GET", "/v1/cases", reader(m.CaseList), params)


def find_child_cases(nhs_number: str) -> Call[m.CaseList]:
    """Every case of the child you may see, newest first, on one page."""
    return Call("GET", "/v1/cases/by-nhs-number", reader(m.CaseList), {"nhs_number": nhs_number})


def find_cases_by_local_reference(
    local_reference: str, *, cursor: str | None = None, limit: int | None = None
) -> Call[m.CaseList]:
    """The cases an authority's own case reference names (yours, if you are one)."""
    params = {"local_reference": local_reference, "cursor": cursor, "limit": limit}
    return Call("GET", "/v1/cases/by-local-reference", reader(m.CaseList), params)


def get_case(case_id: Id, *, as_known_at: datetime | None = None) -> Call[m.CaseView]:
    """The case now, or as the record stood at ``as_known_at``."""
    return Call("GET", case_path(case_id), reader(m.CaseView), {"as_known_at": as_known_at})


def responsibility(
    case_id: Id, *, at: datetime | None = None, as_known_at: datetime | None = None
) -> Call[m.ResponsibilityView]:
    """Who was (or will be) responsible at ``at``, as the record stood at ``as_known_at``."""
    params = {"at": at, "as_known_at": as_known_at}
    return Call("GET", case_path(case_id, "responsibility"), reader(m.ResponsibilityView), params)


def timeline(case_id: Id, *, as_known_at: datetime | None = None) -> Call[m.TimelineView]:
    """The periods of responsibility; a scheduled hand-over is a future interval."""
    params = {"as_known_at": as_known_at}
    return Call("GET", case_path(case_id, "timeline"), reader(m.TimelineView), params)


def history(case_id: Id) -> Call[m.History]:
    """Every event of the case, in order, with who recorded it and when."""
    return Call("GET", case_path(case_id, "history"), reader(m.History))


def history_csv(case_id: Id) -> Call[str]:
    """The case's history as CSV: the same bytes as ``case-transfer export --case``."""
    return Call("GET", case_path(case_id, "history"), read_text, accept="text/csv")


def record_local_reference(
    case_id: Id,
    reference: str,
    **options: Unpack[Change],
) -> Call[m.CaseView]:
    """Record your authority's own case reference for this case."""
    return change(
        case_path(case_id, "local-references"),
        {"reference": reference},
        **options,
    )


def record_assessment(
    case_id: Id,
    *,
    completed_on: date,
    factors: Sequence[str],
    primary_need_code: str,
    summary: str,
    corrects: Id | None = None,
    **options: Unpack[Change],
) -> Call[m.CaseView]:
    """Record the responsible authority's completed assessment of the child's needs."""
    body = {
        "completed_on": completed_on,
        "factors": list(factors),
        "primary_need_code": primary_need_code,
        "summary": summary,
        "corrects": corrects,
    }
    return change(
        case_path(case_id, "assessments"),
        body,
        **options,
    )


def close_case(
    case_id: Id,
    reason_code: str,
    **options: Unpack[Change],
) -> Call[m.CaseView]:
    """Close the case with a CIN census reason (RC1 to RC9)."""
    return change(
        case_path(case_id, "closure"),
        {"reason_code": reason_code},
        **options,
    )
