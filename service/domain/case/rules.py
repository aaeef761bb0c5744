"""Every refusal of a case's commands, one function per rule so each code has one home.

Each raises a ``RuleViolation`` (409), ``InvalidInput`` (422) or ``NotFound`` (404)
carrying the stable code of DESIGN.md; the commands compose them. They take the
facts they judge (a transfer, a status, who is responsible) rather than the case,
so that the case's state can use them without the two importing each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from uuid import UUID

from ..calendar import london_date
from ..errors import InvalidInput, NotFound, RuleViolation
from .assessment import Assessment
from .transfer import COMPLETED, Transfer

# ---- what the caller sent (422) ----------------------------------------------------------


def require_categories(categories: Sequence[str]) -> None:
    """A record of information shared says at least what kind of information it was."""
    if not categories:
        raise InvalidInput(
            "Say what categories of information were shared.", code="categories-required"
        )


def check_correctable(assessments: Sequence[Assessment], corrects: UUID, authority: str) -> None:
    """A correction points at a current assessment the same authority recorded (rule 9)."""
    target = next((a for a in assessments if a.assessment_id == corrects), None)
    if target is None:
        raise InvalidInput("No such assessment on this case.", code="unknown-assessment")
    if target.authority != authority:
        raise RuleViolation(
            "Only the authority that recorded an assessment may correct it.",
            code="not-assessing-authority",
        )
    if any(a.corrects == corrects for a in assessments):
        raise RuleViolation(
            "That assessment has already been corrected; correct the latest version.",
            code="assessment-already-corrected",
        )


# ---- who may act on the case (409) --------------------------------------------------------


def require_open(closed: bool) -> None:
    if closed:
        raise RuleViolation("The case is closed.", code="case-closed")


def require_responsible(responsible: str | None, authority: str) -> None:
    """Rule 7: only the responsible authority proposes, assesses, shares, withdraws, closes."""
    if responsible != authority:
        raise RuleViolation(
            "Only the authority responsible for the case may do this.",
            code="not-responsible-authority",
        )


def require_party(parties: set[str], authority: str) -> None:
    if authority not in parties:
        raise RuleViolation(
            "Only an authority party to the case may record a reference for it.",
            code="not-case-party",
        )


def require_assessment_in_period(began_by_transfer: bool, since: datetime, on: date) -> None:
    """After a hand-over the new authority assesses the child itself."""
    if began_by_transfer and on < london_date(since):
        raise RuleViolation(
            "This assessment was completed before your authority became responsible; "
            "record your own assessment of the child's needs.",
            code="assessment-predates-responsibility",
        )


# ---- transfers (409) ----------------------------------------------------------------------


def no_such_transfer() -> NotFound:
    return NotFound("No such transfer on this case.", code="transfer-not-found")


def transfer_of(transfers: dict[UUID, Transfer], transfer_id: UUID) -> Transfer:
    try:
        return transfers[transfer_id]
    except KeyError:
        raise no_such_transfer() from None


def require_no_transfer_in_progress(active: Transfer | None, detail: str) -> None:
    """Rule 4: at most one transfer in progress; and none while the case closes."""
    if active is not None:
        raise RuleViolation(detail, code="transfer-in-progress")


def require_another_authority(to_authority: str, responsible: str) -> None:
    if to_authority == responsible:
        raise RuleViolation(
            "A case cannot be transferred to the authority already responsible for it.",
            code="transfer-to-responsible-authority",
        )


def require_in_progress(transfer: Transfer, now: datetime) -> Transfer:
    """Steps apply only to the transfer in progress; a completed one is final (rule 8), and
    so is one accepted for a day already begun (``Transfer.settling``), while it waits out
    the settle margin: nothing more is recorded on it, as if it had completed at once."""
    stage = transfer.stage(now)
    if stage == COMPLETED or transfer.settling:
        raise RuleViolation(
            "Responsibility has already passed under this transfer; it is complete. "
            "A move back needs a new transfer the other way.",
            code="transfer-complete",
        )
    if not transfer.in_progress(now):
        raise RuleViolation(f"This transfer was {stage}.", code="no-transfer-in-progress")
    return transfer


def require_receiving(transfer: Transfer, authority: str) -> None:
    if authority != transfer.to_authority:
        raise RuleViolation(
            "Only the receiving authority may do this.", code="not-receiving-authority"
        )


def require_transfer_party(transfer: Transfer, authority: str) -> None:
    if not transfer.party(authority):
        raise RuleViolation(
            "Only the two authorities of this transfer may do this.", code="not-transfer-party"
        )


def require_not_accepted(transfer: Transfer) -> None:
    if transfer.accepted_at is not None:
        raise RuleViolation(
            "The receiving authority has already accepted this transfer.",
            code="transfer-already-accepted",
        )


def require_information_shared(transfer: Transfer, detail: str) -> None:
    """Receipt can be confirmed, and acceptance given, only after something was shared."""
    if not transfer.information_shared:
        raise RuleViolation(detail, code="information-not-shared")


def require_assessed(assessed: bool) -> None:
    """Rule 5: the originating authority assessed the child during its current period."""
    if not assessed:
        raise RuleViolation(
            "The originating authority has not completed an assessment of the child's "
            "needs during its current period of responsibility.",
            code="assessment-required",
        )


def check_agreement(transfer: Transfer, authority: str, on: date) -> None:
    """A proposed date becomes agreed only when the *other* authority agrees it (rule 7)."""
    proposal = transfer.date_proposal
    if proposal is None:
        raise RuleViolation("No transfer date has been proposed.", code="no-date-proposed")
    if transfer.agreed_date is not None:
        raise RuleViolation(
            f"{transfer.agreed_date.isoformat()} is already agreed; "
            "propose another date to change it.",
            code="transfer-date-already-agreed",
        )
    if proposal.proposed_by == authority:
        raise RuleViolation(
            "The authority that proposed a date cannot also agree it; the other authority must.",
            code="agreement-needs-other-authority",
        )
    if proposal.date != on:
        raise RuleViolation(
            f"The date proposed is {proposal.date.isoformat()}, not {on.isoformat()}.",
            code="transfer-date-mismatch",
        )


def require_agreed_date(transfer: Transfer, now: datetime) -> date:
    """Acceptance needs an agreed date that has not passed (rule 5); returns it."""
    if transfer.agreed_date is None:
        raise RuleViolation(
            "Both authorities have not yet agreed a transfer date.",
            code="transfer-date-not-agreed",
        )
    if transfer.date_lapsed(now):
        raise RuleViolation(
            f"The agreed date {transfer.agreed_date.isoformat()} has passed; agree a new date.",
            code="transfer-date-passed",
        )
    return transfer.agreed_date
