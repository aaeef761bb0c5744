"""The routes of strategy discussions and professional differences (rules 11 to 15).

The responsible authority convenes a discussion, records its outcome and circulates
the minutes; each attending agency acknowledges them or records a dissent (a partner
agency's principal for itself, or the authority on its behalf with ``agency=`` and
``obtained_how=``). A party authority or a partner raises a professional difference
with another agency; either side escalates, resolves or closes it. Each step answers
the discussion or difference it changed (a partner never sees the case itself), and
takes ``expected_version=`` (the case's, If-Match) and ``idempotency_key=`` like any
change. An open dissent or difference must be named when the case's transfer is
accepted (``accept_transfer(..., open_matters=[...])``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TypedDict, Unpack
from uuid import UUID

from . import decision_models as d
from .calls import Call, reader
from .case_routes import Change, Id, case_path


class InvitedAgency(TypedDict):
    """An agency invited to a discussion: ``code`` is a partner principal's agency code
    (e.g. "police-avon-somerset"), an authority's DfE code, or a code you give it."""

    code: str
    kind: d.AgencyKind
    name: str


def discussion_path(case_id: Id, discussion_id: Id | None = None, *tail: str) -> str:
    ids = () if discussion_id is None else (str(UUID(str(discussion_id))),)
    return case_path(case_id, "strategy-discussions", *ids, *tail)


def difference_path(case_id: Id, difference_id: Id | None = None, *tail: str) -> str:
    ids = () if difference_id is None else (str(UUID(str(difference_id))),)
    return case_path(case_id, "professional-differences", *ids, *tail)


def discussion_step(
    path: str, body: dict[str, Any], **options: Unpack[Change]
) -> Call[d.DiscussionView]:
    return Call("POST", path, reader(d.DiscussionView), body=body, **options)


def difference_step(
    path: str, body: dict[str, Any], **options: Unpack[Change]
) -> Call[d.DifferenceView]:
    return Call("POST", path, reader(d.DifferenceView), body=body, **options)


# ---- strategy discussions ------------------------------------------------------------


def convene_discussion(
    case_id: Id,
    *,
    scheduled_for: datetime,
    mode: d.Mode,
    chair: str,
    reason: str,
    invited: Sequence[InvitedAgency],
    **options: Unpack[Change],
) -> Call[d.DiscussionView]:
    """The responsible authority convenes a strategy discussion, inviting agencies
    (``missing_agencies`` warns of those Working Together expects and you left out)."""
    body = {
        "scheduled_for": scheduled_for,
        "mode": mode,
        "chair": chair,
        "reason": reason,
        "invited": [dict(agency) for agency in invited],
    }
    return discussion_step(discussion_path(case_id), body, **options)


def list_discussions(case_id: Id, *, as_known_at: datetime | None = None) -> Call[d.DiscussionList]:
    """The case's discussions you may see (a partner: those its agency is invited to)."""
    params = {"as_known_at": as_known_at}
    return Call("GET", discussion_path(case_id), reader(d.DiscussionList), params)


def get_discussion(
    case_id: Id, discussion_id: Id, *, as_known_at: datetime | None = None
) -> Call[d.DiscussionView]:
    """One discussion, as the record stood at ``as_known_at`` (default now)."""
    path = discussion_path(case_id, discussion_id)
    return Call("GET", path, reader(d.DiscussionView), {"as_known_at": as_known_at})


def record_discussion_outcome(
    case_id: Id,
    discussion_id: Id,
    *,
    held_at: datetime,
    attended: Sequence[str],
    outcome: d.OutcomeCode,
    rationale: str,
    outcome_text: str | None = None,
    follow_up_on: date | None = None,
    **options: Unpack[Change],
) -> Call[d.DiscussionView]:
    """The responsible authority records what was decided, once (``outcome_text`` with
    outcome "other"; ``attended``: the agencies' codes, and your own DfE code)."""
    body = {
        "held_at": held_at,
        "attended": list(attended),
        "outcome": outcome,
        "outcome_text": outcome_text,
        "rationale": rationale,
        "follow_up_on": follow_up_on,
    }
    return discussion_step(discussion_path(case_id, discussion_id, "outcome"), body, **options)


def circulate_minutes(
    case_id: Id,
    discussion_id: Id,
    *,
    to: Sequence[str],
    circulated_at: datetime,
    **options: Unpack[Change],
) -> Call[d.DiscussionView]:
    """The responsible authority records to whom, and when, the minutes were circulated."""
    body = {"to": list(to), "circulated_at": circulated_at}
    return discussion_step(discussion_path(case_id, discussion_id, "minutes"), body, **options)


def acknowledge_minutes(
    case_id: Id,
    discussion_id: Id,
    *,
    agency: str | None = None,
    obtained_how: str | None = None,
    **options: Unpack[Change],
) -> Call[d.DiscussionView]:
    """An attending agency acknowledges the minutes, or the convening authority does on
    its behalf (``agency=`` and ``obtained_how=``)."""
    body = {"agency": agency, "obtained_how": obtained_how}
    path = discussion_path(case_id, discussion_id, "acknowledgements")
    return discussion_step(path, body, **options)


def record_dissent(
    case_id: Id,
    discussion_id: Id,
    *,
    account: str,
    understood_outcome: d.OutcomeCode | None = None,
    agency: str | None = None,
    obtained_how: str | None = None,
    **options: Unpack[Change],
) -> Call[d.DiscussionView]:
    """An attending agency records that it disagrees, with its own account of the
    outcome; the discussion is ``disputed`` while the dissent is open."""
    body = {
        "account": account,
        "understood_outcome": understood_outcome,
        "agency": agency,
        "obtained_how": obtained_how,
    }
    return discussion_step(discussion_path(case_id, discussion_id, "dissents"), body, **options)


def withdraw_dissent(
    case_id: Id,
    discussion_id: Id,
    dissent_id: Id,
    *,
    obtained_how: str | None = None,
    **options: Unpack[Change],
) -> Call[d.DiscussionView]:
    """The agency that made a dissent withdraws it (the authority on its behalf: with
    ``obtained_how=``)."""
    path = discussion_path(
        case_id, discussion_id, "dissents", str(UUID(str(dissent_id))), "withdrawal"
    )
    return discussion_step(path, {"obtained_how": obtained_how}, **options)


# ---- professional differences --------------------------------------------------------


def raise_difference(
    case_id: Id,
    *,
    responded_by: str,
    about: str,
    disputed: str,
    outcome_sought: str,
    held_by: str,
    discussion_id: Id | None = None,
    **options: Unpack[Change],
) -> Call[d.DifferenceView]:
    """Raise a professional difference with agency ``responded_by``, at stage 1, held by
    ``held_by``; ``discussion_id`` if it is about a discussion's outcome."""
    body = {
        "responded_by": responded_by,
        "about": about,
        "discussion_id": discussion_id,
        "disputed": disputed,
        "outcome_sought": outcome_sought,
        "held_by": held_by,
    }
    return difference_step(difference_path(case_id), body, **options)


def list_differences(case_id: Id, *, as_known_at: datetime | None = None) -> Call[d.DifferenceList]:
    """The case's differences you may see (a partner: those its agency is a side of)."""
    params = {"as_known_at": as_known_at}
    return Call("GET", difference_path(case_id), reader(d.DifferenceList), params)


def get_difference(
    case_id: Id, difference_id: Id, *, as_known_at: datetime | None = None
) -> Call[d.DifferenceView]:
    """One difference: its stage, who holds it, when it is due, overdue or stalled."""
    path = difference_path(case_id, difference_id)
    return Call("GET", path, reader(d.DifferenceView), {"as_known_at": as_known_at})


def respond_to_difference(
    case_id: Id, difference_id: Id, response: str, **options: Unpack[Change]
) -> Call[d.DifferenceView]:
    """The agency the difference was raised with responds at the current stage."""
    path = difference_path(case_id, difference_id, "responses")
    return difference_step(path, {"response": response}, **options)


def escalate_difference(
    case_id: Id, difference_id: Id, *, held_by: str, reason: str, **options: Unpack[Change]
) -> Call[d.DifferenceView]:
    """Either side moves it to the next stage, naming who holds it there."""
    path = difference_path(case_id, difference_id, "escalation")
    return difference_step(path, {"held_by": held_by, "reason": reason}, **options)


def resolve_difference(
    case_id: Id, difference_id: Id, outcome_statement: str, **options: Unpack[Change]
) -> Call[d.DifferenceView]:
    """A side records the outcome statement; resolved once both have recorded the same."""
    path = difference_path(case_id, difference_id, "resolution")
    return difference_step(path, {"outcome_statement": outcome_statement}, **options)


def close_difference_unresolved(
    case_id: Id, difference_id: Id, reason: str, **options: Unpack[Change]
) -> Call[d.DifferenceView]:
    """Either side closes it unresolved, with the reason."""
    path = difference_path(case_id, difference_id, "closure")
    return difference_step(path, {"reason": reason}, **options)
