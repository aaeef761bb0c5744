"""Who may see and do what: the one access policy, asked by every query, list, feed,
access-log route and page.

Five kinds of principal use the record (DESIGN.md, "Principals"):

- an **authority**'s case system changes the record for its own authority, and sees a
  case only while it is a *party* to it (responsible now or before, or the other side
  of one of its transfers): to anyone else a case does not exist (404, not 403);
- the **MASH** and **auditors** read every case and change none; their reads of a case
  are recorded in the access log;
- a **partner** agency (police, a GP practice, a hospital...) sees a case only while
  it takes part in its decisions (invited to one of its strategy discussions, or a
  side of one of its professional differences), and then only the responsible
  authority, those discussions and those differences: for everything else the case
  does not exist (404). Every read of a case by a partner is in the access log;
- the MASH looks children up one at a time; lists across cases, the full history and
  ledger checkpoints are for authorities and auditors; the event feed and the whole
  access log are for auditors alone.

Refusals of a role (403) are raised here; refusals that depend on a case's state
(who is responsible now, who receives a transfer) are the case's rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol
from uuid import UUID

from .actors import AUDITOR, AUTHORITY, MASH, PARTNER, Actor
from .errors import Forbidden, InvalidInput, NotFound
from .reference import authority as known_authority

RECORDED_ROLES = (MASH, AUDITOR, PARTNER)
"""Roles whose reads of a case are written to the access log before the answer is sent."""

DECISION_ROLES = (AUTHORITY, PARTNER)
"""Roles that take part in strategy discussions and professional differences."""

SIGN_IN_ROLES = (MASH, AUDITOR)
"""Roles that may sign in to the MASH pages; case systems use the API."""


class Parties(Protocol):
    """What the policy needs of a case: the authorities party to it."""

    def parties(self) -> set[str]: ...


class DecisionParties(Parties, Protocol):
    """And of its decisions: whether an agency takes part in them."""

    def taking_part(self, agency: str) -> bool: ...


class Invited(Protocol):
    """A strategy discussion, as the policy needs it: the agencies invited to it."""

    def invited_codes(self) -> set[str]: ...


class Sided(Protocol):
    """A professional difference, as the policy needs it: its two sides."""

    def sides(self) -> tuple[str, str]: ...


class DecisionCase(DecisionParties, Protocol):
    """A case with its discussions and differences, for judging one of its events."""

    @property
    def discussions(self) -> Mapping[UUID, Invited]: ...

    @property
    def differences(self) -> Mapping[UUID, Sided]: ...


def acting_authority(actor: Actor) -> str:
    """The authority ``actor`` records steps for; refuses MASH and auditors (403).

    MASH staff and auditors read the record; they never change it.
    """
    if actor.role != AUTHORITY or actor.authority is None:
        raise Forbidden(f"A {actor.role} principal may read the record but not change it.")
    return actor.authority


def acting_agency(actor: Actor) -> str:
    """The agency ``actor`` takes part in decisions for: an authority's DfE code or a
    partner's agency code; refuses MASH and auditors (403)."""
    if actor.role not in DECISION_ROLES or actor.authority is None:
        raise Forbidden(f"A {actor.role} principal may read the record but not change it.")
    return actor.authority


def may_see(actor: Actor, case: Parties) -> bool:
    """Whether the caller may see the whole case: its parties, the MASH and auditors."""
    if actor.role == PARTNER:
        return False
    if actor.role != AUTHORITY:
        return True
    return actor.authority in case.parties()


def may_see_decisions(actor: Actor, case: DecisionParties) -> bool:
    """Whether the caller may see the case's discussions and differences: whoever sees
    the whole case, and a partner taking part in its decisions."""
    if actor.role == PARTNER:
        return actor.authority is not None and case.taking_part(actor.authority)
    return may_see(actor, case)


def require_decisions_visible(actor: Actor, case: DecisionParties) -> None:
    if not may_see_decisions(actor, case):
        raise no_such_case()


def shows_everything(actor: Actor) -> bool:
    """Whether ``actor`` sees every discussion and difference of a case it may see;
    a partner sees those its agency is invited to or a side of."""
    return actor.role != PARTNER


def sees_discussion(actor: Actor, discussion: Invited) -> bool:
    """Whether the caller, who may see the case's decisions, sees this discussion: a
    partner sees those its agency is invited to, everyone else every one."""
    return shows_everything(actor) or actor.authority in discussion.invited_codes()


def sees_difference(actor: Actor, difference: Sided) -> bool:
    """Whether the caller, who may see the case's decisions, sees this difference: a
    partner sees those its agency is a side of, everyone else every one."""
    return shows_everything(actor) or actor.authority in difference.sides()


def may_see_event(
    actor: Actor,
    case: DecisionCase,
    *,
    discussion_id: UUID | None = None,
    difference_id: UUID | None = None,
) -> bool:
    """Whether the caller may see an event of ``case``, judged on the case as it stands
    once the event is recorded: an event of one of its differences (``difference_id``;
    a difference may also name the discussion it is about) or discussions, whoever sees
    that one; any other event, whoever sees the whole case. What the reads show is what
    notifications tell."""
    if difference_id is not None:
        difference = case.differences.get(difference_id)
        seen = difference is not None and sees_difference(actor, difference)
    elif discussion_id is not None:
        discussion = case.discussions.get(discussion_id)
        seen = discussion is not None and sees_discussion(actor, discussion)
    else:
        return may_see(actor, case)
    return seen and may_see_decisions(actor, case)


def no_such_case() -> NotFound:
    """What a caller who may not see a case is told: that it does not exist (404, not 403)."""
    return NotFound("No such case.", code="case-not-found")


def require_visible(actor: Actor, case: Parties) -> None:
    if not may_see(actor, case):
        raise no_such_case()


def reads_are_recorded(actor: Actor) -> bool:
    """Whether a read of a case by ``actor`` goes in the access log (MASH and auditors)."""
    return actor.role in RECORDED_ROLES


def may_sign_in_to_pages(role: str) -> bool:
    """Whether a principal of ``role`` may sign in to the MASH pages."""
    return role in SIGN_IN_ROLES


def require_history_reader(actor: Actor) -> None:
    """The full history is for the authorities of the case and auditors, not the MASH;
    to a partner, like everything of a case beyond its decisions, it does not exist."""
    if actor.role == PARTNER:
        raise no_such_case()
    if actor.role not in (AUTHORITY, AUDITOR):
        raise Forbidden("The full history is for the authorities of the case and auditors.")


def require_feed_reader(actor: Actor) -> None:
    """The event feed of every case is for auditors."""
    if actor.role != AUDITOR:
        raise Forbidden("The event feed is for auditors.", code="feed-for-auditors")


def require_checkpoint_reader(actor: Actor) -> None:
    """Ledger checkpoints are for authorities (partners who keep them) and auditors."""
    if actor.role == MASH:
        raise Forbidden(
            "A MASH principal reads cases; ledger checkpoints are for authorities and auditors.",
            code="ledger-not-for-mash",
        )
    if actor.role not in (AUTHORITY, AUDITOR):
        raise Forbidden(f"A {actor.role} principal may not ask for ledger checkpoints.")


def reference_lookup_scope(actor: Actor) -> str | None:
    """Whose local references ``actor`` may look cases up by: an authority its own
    (its code), the MASH and auditors any authority's (None)."""
    if actor.role not in (AUTHORITY, MASH, AUDITOR):
        raise Forbidden(f"A {actor.role} principal may not look cases up.")  # partners
    return acting_authority(actor) if actor.role == AUTHORITY else None


def list_authority(actor: Actor, authority: str | None, *, partners: bool = False) -> str:
    """The authority whose list ``actor`` asks for, or the refusal.

    An authority's case system sees its own lists only; an auditor names the
    authority; the MASH looks children up one at a time, never through lists. A
    partner has one list, its agency's worklist (``partners``): its agency code.
    """
    if actor.role == MASH:
        raise Forbidden(
            "Lists are for authorities and auditors; the MASH looks a child up by NHS "
            "number or local reference.",
            code="lists-not-for-mash",
        )
    if actor.role == AUDITOR:
        if authority is None:
            raise InvalidInput("Name the authority whose list you want.", code="authority-required")
        return known_authority(authority).code
    if actor.role == PARTNER:
        if not partners:
            raise Forbidden("Lists are for authorities and auditors; a partner has its worklist.")
        own = acting_agency(actor)
    else:
        own = acting_authority(actor)
    if authority is None:
        return own
    code = authority if actor.role == PARTNER else known_authority(authority).code
    if code != own:
        raise Forbidden("An authority may list only its own cases.", code="not-own-authority")
    return own


def require_caseless_query_allowed(actor: Actor) -> None:
    """Without a lookup, only an authority has a default (its own open caseload)."""
    if actor.role != AUTHORITY:
        raise InvalidInput(
            "Name the authority whose caseload you want (responsible_authority); a child is "
            "looked up at /v1/cases/by-nhs-number.",
            code="query-required",
        )


def access_log_scope(actor: Actor, case_id: UUID | None, principal: str | None) -> bool:
    """Whether ``actor`` may list the access log so; True when it must also be a party
    to ``case_id`` (an authority may list only who read its own case).

    Auditors list it by case, by principal, or whole.
    """
    if actor.role == AUDITOR:
        return False
    if actor.role == AUTHORITY and case_id is not None and principal is None:
        return True
    raise Forbidden(
        "The access log is for auditors; a case's authorities may list only who read "
        "their case (case_id, without principal).",
        code="access-log-for-auditors",
    )
