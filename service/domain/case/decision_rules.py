"""Every refusal of strategy discussions and professional differences (rules 11 to 15).

A sibling of ``rules.py`` (transfers) and ``date_rules.py``: each code has its one home
here. Each function takes the facts it judges, not the case.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from uuid import UUID

from ..calendar import london_date
from ..errors import InvalidInput, NotFound, RuleViolation
from ..text import check_identifier, check_text
from .difference import FINAL_STAGE, Difference
from .discussion import AGENCY_KINDS, MODES, OUTCOMES, Agency, Discussion, Dissent

# ---- what the caller sent (422) ----------------------------------------------------------


def check_choice(value: str, allowed: Sequence[str], field: str) -> str:
    if value not in allowed:
        raise InvalidInput(
            f"{field} must be one of {', '.join(allowed)}; got {value!r}.",
            code=f"unknown-{field.replace('_', '-')}",
        )
    return value


def check_mode(mode: str) -> str:
    return check_choice(mode, MODES, "mode")


def check_agencies(agencies: Sequence[Agency]) -> list[Agency]:
    """At least one invited agency, each code once, each kind from the list."""
    if not agencies:
        raise InvalidInput("Invite at least one agency.", code="invited-agencies-required")
    checked: list[Agency] = []
    for agency in agencies:
        code = check_identifier(agency.code, "code")
        if code in {a.code for a in checked}:
            raise InvalidInput(f"{code!r} is invited twice.", code="agency-invited-twice")
        kind = check_choice(agency.kind, AGENCY_KINDS, "agency_kind")
        checked.append(Agency(code, kind, check_text(agency.name, "name", max_length=200)))
    return checked


def check_outcome(outcome: str, outcome_text: str | None) -> str:
    """Rule 11: one outcome from the closed list; ``other`` says what, in words."""
    check_choice(outcome, OUTCOMES, "outcome")
    if outcome == "other":
        if not outcome_text or not outcome_text.strip():
            raise InvalidInput(
                "An outcome of 'other' needs outcome_text.", code="outcome-text-required"
            )
        return check_text(outcome_text, "outcome_text")
    return ""


def check_known_agencies(codes: Iterable[str], known: set[str], field: str) -> list[str]:
    """Agencies named in an outcome or a circulation are invited ones (or the convener)."""
    checked = list(dict.fromkeys(codes))
    unknown = [code for code in checked if code not in known]
    if unknown:
        raise InvalidInput(
            f"{field} names agencies not invited to this discussion: {', '.join(unknown)}.",
            code="agency-not-invited",
        )
    return checked


def check_not_future(instant: datetime, now: datetime, what: str) -> None:
    if instant > now:
        raise InvalidInput(f"{what} cannot be in the future.", code="instant-in-future")


def check_follow_up(on: date | None, now: datetime) -> date | None:
    if on is not None and on < london_date(now):
        raise InvalidInput(
            "A follow-up discussion date cannot be past.", code="follow-up-date-in-past"
        )
    return on


def check_obtained_how(on_behalf: bool, obtained_how: str | None) -> str:
    """Recorded for an agency by the convening authority: say how it was obtained."""
    if not on_behalf:
        return ""
    if not obtained_how or not obtained_how.strip():
        raise InvalidInput(
            "Recording this for another agency, say how it was obtained (obtained_how).",
            code="obtained-how-required",
        )
    return check_text(obtained_how, "obtained_how")


# ---- discussions (404, 409) ---------------------------------------------------------------


def no_such_discussion() -> NotFound:
    return NotFound("No such strategy discussion on this case.", code="discussion-not-found")


def no_such_dissent() -> NotFound:
    return NotFound("No such dissent on this discussion.", code="dissent-not-found")


def no_such_difference() -> NotFound:
    return NotFound("No such professional difference on this case.", code="difference-not-found")


def discussion_of(discussions: dict[UUID, Discussion], discussion_id: UUID) -> Discussion:
    try:
        return discussions[discussion_id]
    except KeyError:
        raise no_such_discussion() from None


def require_no_outcome(discussion: Discussion) -> None:
    """Rule 11: an outcome is recorded once; a change of mind is a new discussion."""
    if discussion.outcome is not None:
        raise RuleViolation(
            "This discussion's outcome is recorded and is never changed; a change of mind "
            "is a new strategy discussion.",
            code="outcome-already-recorded",
        )


def require_outcome(discussion: Discussion) -> None:
    """Minutes, acknowledgements and dissents follow the discussion's recorded outcome."""
    if discussion.outcome is None:
        raise _outcome_pending([discussion], "This discussion has no recorded outcome yet.")


def require_no_pending_outcome(discussions: Iterable[Discussion]) -> None:
    """Rule 15: no transfer proposed while a discussion has no recorded outcome."""
    pending = [d for d in discussions if d.outcome is None]
    if pending:
        raise _outcome_pending(
            pending,
            "A strategy discussion on this case has no recorded outcome; record it before "
            "proposing a transfer.",
        )


def _outcome_pending(pending: Sequence[Discussion], detail: str) -> RuleViolation:
    return RuleViolation(
        detail,
        code="strategy-outcome-pending",
        extensions={"discussions": [str(d.discussion_id) for d in pending]},
    )


def require_attended(discussion: Discussion, agency: str) -> None:
    if agency not in discussion.attending():
        raise _not_attending("Only an agency that attended the discussion may do this.")


def require_speaks_for(speaking_for: str, agency: str, convened_by: str) -> bool:
    """Whether the caller acts for ``agency`` on its behalf: an agency acts for itself,
    and only the convening authority records for another agency."""
    if speaking_for == agency:
        return False
    if speaking_for == convened_by:
        return True
    raise _not_attending(
        "An agency records its own acknowledgements and dissents; only the convening "
        "authority records them on another agency's behalf."
    )


def _not_attending(detail: str) -> RuleViolation:
    return RuleViolation(detail, code="not-attending-agency")


def require_minutes_sent_to(discussion: Discussion, agency: str) -> None:
    if agency not in discussion.circulated_to():
        raise RuleViolation(
            "The minutes have not been circulated to this agency.", code="minutes-not-circulated"
        )


def require_not_acknowledged(discussion: Discussion, agency: str) -> None:
    if agency in discussion.acknowledgements:
        raise RuleViolation(
            "This agency has already acknowledged the minutes.", code="already-acknowledged"
        )
    if any(d.agency == agency for d in discussion.open_dissents()):
        raise RuleViolation(
            "This agency's dissent stands; withdraw it before acknowledging the minutes.",
            code="dissent-not-withdrawn",
        )


def dissent_of(discussion: Discussion, dissent_id: UUID) -> Dissent:
    try:
        return discussion.dissents[dissent_id]
    except KeyError:
        raise no_such_dissent() from None


def require_may_withdraw(dissent: Dissent, speaking_for: str, convened_by: str) -> None:
    """Rule 12: a dissent is withdrawn only by the agency that made it (or, for an
    agency without a principal, on its behalf by the authority that recorded it)."""
    own = speaking_for == dissent.agency
    for_it = dissent.recorded_by == convened_by == speaking_for and dissent.obtained_how != ""
    if not (own or for_it):
        raise RuleViolation(
            "Only the agency that recorded a dissent may withdraw it.",
            code="not-dissenting-agency",
        )
    if not dissent.open:
        raise RuleViolation(
            "This dissent has already been withdrawn or settled.", code="dissent-not-open"
        )


# ---- differences (404, 409) ---------------------------------------------------------------


def difference_of(differences: dict[UUID, Difference], difference_id: UUID) -> Difference:
    try:
        return differences[difference_id]
    except KeyError:
        raise no_such_difference() from None


def require_taking_part(agency: str, taking_part: set[str], detail: str) -> None:
    """A difference is between agencies that take part in the case's decisions."""
    if agency not in taking_part:
        raise RuleViolation(detail, code="not-taking-part")


def require_two_sides(raised_by: str, responded_by: str) -> None:
    if raised_by == responded_by:
        raise InvalidInput(
            "A professional difference is raised with another agency.",
            code="difference-with-itself",
        )


def require_open_difference(difference: Difference) -> None:
    if not difference.is_open:
        raise RuleViolation(
            f"This professional difference is {difference.status}.", code="difference-ended"
        )


def require_side(difference: Difference, agency: str) -> None:
    if agency not in difference.sides():
        raise RuleViolation(
            "Only the two agencies of this professional difference may do this.",
            code="not-difference-side",
        )


def require_responding_side(difference: Difference, agency: str) -> None:
    if agency != difference.responded_by:
        raise RuleViolation(
            "Only the agency the difference was raised with responds to it.",
            code="not-responding-agency",
        )


def require_below_final_stage(difference: Difference) -> None:
    if difference.stage >= FINAL_STAGE:
        raise RuleViolation(
            "The difference is at stage 4 (the safeguarding partnership): resolve it or "
            "close it unresolved.",
            code="difference-at-final-stage",
        )


# ---- rule 15 at hand-over ----------------------------------------------------------------


def require_open_matters_named(
    disputed: Sequence[UUID], open_differences: Sequence[UUID], named: Iterable[UUID]
) -> None:
    """Rule 15: acceptance names each disputed outcome and each open difference."""
    named_set = set(named)
    discussions = [str(d) for d in disputed if d not in named_set]
    differences = [str(d) for d in open_differences if d not in named_set]
    if discussions or differences:
        raise RuleViolation(
            "The acceptance must name each disputed strategy outcome and each open "
            "professional difference on the case (open_matters).",
            code="open-matters-not-acknowledged",
            extensions={"discussions": discussions, "differences": differences},
        )
