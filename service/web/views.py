"""What the case page says, worked out from the application's queries.

Kept out of the routes and the templates so that the wording a MASH worker reads at
a glance ("Somerset (933) is responsible; responsibility passes to Bristol (801) at the
start of Friday 27 November 2026") is plain Python that tests can read, and the
templates only lay it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from service.application import CaseTransferApplication
from service.domain.actors import Actor
from service.domain.calendar import london_date
from service.domain.case import CLOSED, Case
from service.domain.case.responsibility import Period
from service.domain.case.transfer import Transfer
from service.domain.reference import closure_reasons

from . import words
from .decision_views import DifferencePanel, DiscussionPanel, decision_panels
from .timeline_svg import Timeline, draw_timeline


@dataclass(frozen=True)
class Step:
    """One of the four steps before responsibility may pass (DESIGN.md rule 5)."""

    key: str
    name: str
    done: bool
    detail: str


@dataclass(frozen=True)
class TransferView:
    from_label: str
    to_label: str
    proposed: str
    steps: tuple[Step, ...]
    passes_at: str | None
    passes_relative: str | None


@dataclass(frozen=True)
class PeriodRow:
    authority: str
    since: str
    until: str


@dataclass(frozen=True)
class CasePage:
    case_id: str
    closed: bool
    responsible: str | None
    responsible_name: str | None
    since: str | None
    since_relative: str | None
    closed_at: str | None
    closure_reason: str | None
    nhs_number: str | None
    date_of_birth: str | None
    expected_date_of_birth: str | None
    references: tuple[tuple[str, str], ...]
    transfer: TransferView | None
    timeline: Timeline
    periods: tuple[PeriodRow, ...]
    now: str
    discussions: tuple[DiscussionPanel, ...] = ()
    differences: tuple[DifferencePanel, ...] = ()


def case_page(application: CaseTransferApplication, actor: Actor, case_id: UUID) -> CasePage:
    """The case page for ``actor`` (MASH or auditor), from the application's queries."""
    case, now = application.case(actor, case_id)
    periods = application.timeline(actor, case_id)
    current = application.responsibility(actor, case_id, at=now)
    transfer = case.active_transfer(now)
    closed_at = periods[-1].until if case.status == CLOSED and periods else None
    reason = case.closure_reason
    discussions, differences = decision_panels(
        application.decisions(actor, case_id), application.decision_timescales
    )
    return CasePage(
        case_id=str(case.id),
        closed=case.status == CLOSED,
        responsible=words.authority_label(current.authority) if current.authority else None,
        responsible_name=words.authority_name(current.authority) if current.authority else None,
        since=(
            words.sentence(words.when(current.since))
            if current.authority and current.since
            else None
        ),
        since_relative=words.relative(current.since, now) if current.since else None,
        closed_at=words.when(closed_at) if closed_at else None,
        closure_reason=f"{closure_reasons().get(reason, reason)} ({reason})" if reason else None,
        nhs_number=words.nhs_number(case.nhs_number) if case.nhs_number else None,
        date_of_birth=words.short_day(case.date_of_birth) if case.date_of_birth else None,
        expected_date_of_birth=(
            words.short_day(case.expected_date_of_birth) if case.expected_date_of_birth else None
        ),
        references=tuple(
            (words.authority_label(code), reference)
            for code, reference in sorted(case.local_references.items())
        ),
        transfer=_transfer_view(case, transfer, now) if transfer is not None else None,
        timeline=draw_timeline(periods, now, words.authority_label, words.when),
        periods=tuple(_period_row(p, now) for p in periods),
        now=words.when(now),
        discussions=discussions,
        differences=differences,
    )


def _period_row(period: Period, now: datetime) -> PeriodRow:
    scheduled = " (scheduled)" if period.since > now else ""
    until = words.sentence(words.when(period.until)) if period.until else "Still responsible"
    since = words.sentence(words.when(period.since))
    return PeriodRow(words.authority_label(period.authority) + scheduled, since, until)


def _transfer_view(case: Case, transfer: Transfer, now: datetime) -> TransferView:
    to_label = words.authority_label(transfer.to_authority)
    return TransferView(
        from_label=words.authority_label(transfer.from_authority),
        to_label=to_label,
        proposed=words.when(transfer.proposed_at),
        steps=(
            _assessment_step(case, transfer, now),
            _information_step(transfer),
            _date_step(transfer, now),
            _acceptance_step(transfer, to_label),
        ),
        passes_at=words.when(transfer.effective_at) if transfer.effective_at else None,
        passes_relative=(
            words.relative(transfer.effective_at, now) if transfer.effective_at else None
        ),
    )


def _assessment_step(case: Case, transfer: Transfer, now: datetime) -> Step:
    name = "Assessment completed"
    origin = transfer.from_authority
    if not case.assessed_in_current_period(origin, now):
        detail = f"Not yet: {words.authority_label(origin)} has not recorded its assessment"
        return Step("assessment", name, False, detail)
    since = case.current_period(now).since
    latest = max(
        (a for a in case.current_assessments() if a.authority == origin and a.recorded_at >= since),
        key=lambda a: a.recorded_at,
    )
    detail = f"Completed on {words.day(latest.completed_on)} by {words.authority_label(origin)}"
    return Step("assessment", name, True, detail)


def _information_step(transfer: Transfer) -> Step:
    name = "Information shared"
    if not transfer.information:
        detail = f"Not yet: {words.authority_label(transfer.from_authority)} has not shared it"
        return Step("information", name, False, detail)
    first = transfer.information[0]
    detail = f"Shared on {words.day(first.shared_on)}"
    if len(transfer.information) > 1:
        detail += f" ({len(transfer.information)} records of sharing)"
    if transfer.information_received_at is not None:
        receiver = words.authority_name(transfer.to_authority)
        detail += f"; {receiver} confirmed receipt: {words.when(transfer.information_received_at)}"
    return Step("information", name, True, detail)


def _date_step(transfer: Transfer, now: datetime) -> Step:
    name = "Transfer date agreed"
    if transfer.date_agreed(now) and transfer.agreed_date is not None:
        agreed_at = transfer.date_agreed_at
        agreed_on = f", agreed on {words.day(london_date(agreed_at))}" if agreed_at else ""
        detail = f"Responsibility to pass on {words.day(transfer.agreed_date)}{agreed_on}"
        return Step("date", name, True, detail)
    if transfer.date_lapsed(now) and transfer.agreed_date is not None:
        detail = (
            f"Not now: the agreed date, {words.day(transfer.agreed_date)}, passed before "
            "acceptance; a new date must be agreed"
        )
        return Step("date", name, False, detail)
    if transfer.date_proposal is not None:
        proposal = transfer.date_proposal
        other = words.authority_label(transfer.other_party(proposal.proposed_by))
        detail = (
            f"Not yet: {words.authority_label(proposal.proposed_by)} proposed "
            f"{words.day(proposal.date)}; waiting for {other} to agree"
        )
        return Step("date", name, False, detail)
    return Step("date", name, False, "Not yet: no date has been proposed")


def _acceptance_step(transfer: Transfer, to_label: str) -> Step:
    name = "Responsibility accepted"
    if transfer.accepted_at is None:
        return Step("acceptance", name, False, f"Not yet: waiting for {to_label} to accept")
    return Step(
        "acceptance", name, True, f"Accepted by {to_label}: {words.when(transfer.accepted_at)}"
    )
