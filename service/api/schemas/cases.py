"""How a case is rendered: its view, its transfers, who is responsible, its history."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Literal, TypeAlias
from uuid import UUID

from pydantic import BaseModel, Field

from service.audit.feed import event_data
from service.domain.case import Case
from service.domain.case.responsibility import Period, Responsibility
from service.domain.case.steps import steps_of
from service.domain.case.transfer import Transfer

from .common import Actor, AuthorityRef, Stage, utc
from .history_entries import HISTORY_ENTRIES, HistoryEntryFields, discriminated


class InformationShareView(BaseModel):
    categories: list[str]
    references: list[str]
    shared_on: date
    note: str
    recorded_at: datetime


class TransferView(BaseModel):
    transfer_id: UUID
    from_authority: AuthorityRef
    to_authority: AuthorityRef
    stage: Stage
    reason: str
    proposed_at: datetime
    proposed_date: date | None = Field(description="A date put forward, not yet agreed")
    proposed_date_by: AuthorityRef | None
    agreed_date: date | None
    effective_at: datetime | None = Field(description="When responsibility passes (rule 6)")
    assessment_completed: bool
    information_shared: bool
    information_received: bool
    date_agreed: bool
    accepted: bool
    information: list[InformationShareView]
    ended_at: datetime | None
    end_reason: str | None

    @classmethod
    def of(cls, case: Case, transfer: Transfer, now: datetime) -> TransferView:
        steps = steps_of(case, transfer, now)
        proposal = transfer.date_proposal
        pending = proposal is not None and transfer.agreed_date is None
        return cls(
            transfer_id=transfer.transfer_id,
            from_authority=AuthorityRef.of(transfer.from_authority),
            to_authority=AuthorityRef.of(transfer.to_authority),
            stage=transfer.stage(now),
            reason=transfer.reason,
            proposed_at=utc(transfer.proposed_at),
            proposed_date=proposal.date if pending and proposal else None,
            proposed_date_by=AuthorityRef.of(proposal.proposed_by)
            if pending and proposal
            else None,
            agreed_date=transfer.agreed_date,
            effective_at=utc(transfer.effective_at),
            assessment_completed=steps.assessment_completed,
            information_shared=steps.information_shared,
            information_received=steps.information_received,
            date_agreed=steps.date_agreed,
            accepted=steps.accepted,
            information=[
                InformationShareView(
                    categories=i.categories,
                    references=i.references,
                    shared_on=i.shared_on,
                    note=i.note,
                    recorded_at=utc(i.recorded_at),
                )
                for i in transfer.information
            ],
            ended_at=utc(transfer.ended_at),
            end_reason=transfer.end_reason,
        )


class ChildView(BaseModel):
    nhs_number: str | None
    date_of_birth: date | None
    expected_date_of_birth: date | None


class LocalReferenceView(BaseModel):
    authority: AuthorityRef
    reference: str


class AssessmentView(BaseModel):
    assessment_id: UUID
    authority: AuthorityRef
    completed_on: date
    factors: list[str]
    primary_need_code: str
    summary: str
    corrects: UUID | None
    recorded_at: datetime


class CaseView(BaseModel):
    case_id: UUID
    version: int
    status: Literal["open", "closed"]
    opened_at: datetime
    closed_at: datetime | None
    closure_reason: str | None
    child: ChildView
    responsible_authority: AuthorityRef | None
    responsible_since: datetime | None
    local_references: list[LocalReferenceView]
    active_transfer: TransferView | None
    transfers: list[TransferView]
    assessments: list[AssessmentView]

    @classmethod
    def of(cls, case: Case, now: datetime) -> CaseView:
        now_answer = case.responsibility_at(now)
        active = case.active_transfer(now)
        closed = case.status == "closed"
        return cls(
            case_id=case.id,
            version=case.version,
            status=case.status,
            opened_at=utc(case.created_on),
            closed_at=utc(case.periods[-1].until) if closed else None,
            closure_reason=case.closure_reason,
            child=ChildView(
                nhs_number=case.nhs_number,
                date_of_birth=case.date_of_birth,
                expected_date_of_birth=case.expected_date_of_birth,
            ),
            responsible_authority=AuthorityRef.of(now_answer.authority)
            if now_answer.authority
            else None,
            responsible_since=utc(now_answer.since) if now_answer.authority else None,
            local_references=[
                LocalReferenceView(authority=AuthorityRef.of(code), reference=ref)
                for code, ref in case.local_references.items()
            ],
            active_transfer=TransferView.of(case, active, now) if active else None,
            transfers=[TransferView.of(case, t, now) for t in case.transfers.values()],
            assessments=[
                AssessmentView(
                    assessment_id=a.assessment_id,
                    authority=AuthorityRef.of(a.authority),
                    completed_on=a.completed_on,
                    factors=a.factors,
                    primary_need_code=a.primary_need_code,
                    summary=a.summary,
                    corrects=a.corrects,
                    recorded_at=utc(a.recorded_at),
                )
                for a in case.assessments
            ],
        )


class CaseList(BaseModel):
    items: list[CaseView]
    next: str | None = Field(None, description="Cursor of the next page; null on the last")


class ResponsibilityView(BaseModel):
    authority: AuthorityRef | None = Field(description="Null before opening and after closure")
    since: datetime | None
    until: datetime | None
    at: datetime
    as_known_at: datetime

    @classmethod
    def of(cls, answer: Responsibility, at: datetime, as_known_at: datetime) -> ResponsibilityView:
        return cls(
            authority=AuthorityRef.of(answer.authority) if answer.authority else None,
            since=utc(answer.since),
            until=utc(answer.until),
            at=utc(at),
            as_known_at=utc(as_known_at),
        )


class Interval(BaseModel):
    authority: AuthorityRef
    since: datetime
    until: datetime | None
    scheduled: bool = Field(description="True for a hand-over that has not yet taken effect")


class TimelineView(BaseModel):
    case_id: UUID
    as_known_at: datetime
    intervals: list[Interval]

    @classmethod
    def of(cls, case_id: UUID, periods: list[Period], as_known_at: datetime) -> TimelineView:
        return cls(
            case_id=case_id,
            as_known_at=utc(as_known_at),
            intervals=[
                Interval(
                    authority=AuthorityRef.of(p.authority),
                    since=utc(p.since),
                    until=utc(p.until),
                    scheduled=p.since > as_known_at,
                )
                for p in periods
            ],
        )


# A union made at run time from ``history_data.EVENT_DATA``: a type checker sees the
# fields every variant has.
if TYPE_CHECKING:
    HistoryEntry: TypeAlias = HistoryEntryFields
else:
    HistoryEntry = discriminated(HISTORY_ENTRIES)


class History(BaseModel):
    case_id: UUID
    events: list[HistoryEntry]

    @classmethod
    def of(cls, case_id: UUID, events: list[Case.Event]) -> History:
        return cls(
            case_id=case_id,
            events=[
                HISTORY_ENTRIES[type(e).__name__](
                    version=e.originator_version,
                    type=type(e).__name__,
                    recorded_at=utc(e.timestamp),
                    actor=Actor(name=e.actor_name, role=e.actor_role, authority=e.actor_authority),
                    data=event_data(e),  # as the event feed shows it
                )
                for e in events
            ],
        )
