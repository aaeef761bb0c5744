"""How strategy discussions are rendered (rules 11 to 13 and 15).

Every fact a reader needs is a field, never left to be worked out: whether the minutes
went to everyone, who has acknowledged, whether the outcome is disputed, who Working
Together expects and was not invited. Timescales count working days; professional
differences are rendered beside these, in ``differences.py``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from service.domain.calendar import london_date
from service.domain.case import Case
from service.domain.case.discussion import Discussion, Dissent
from service.domain.decision_timescales import DecisionTimescales, follow_up_overdue

from .common import AuthorityRef, utc


class AgencyView(BaseModel):
    code: str
    kind: str
    name: str


class DiscussionOutcomeView(BaseModel):
    held_at: datetime
    attended: list[str]
    not_attended: list[str] = Field(description="Invited agencies that did not attend")
    outcome: str
    outcome_text: str
    rationale: str
    follow_up_on: date | None
    follow_up_overdue: bool = Field(
        description="The follow-up date has passed with no later discussion held"
    )
    recorded_at: datetime


class CirculationView(BaseModel):
    to: list[str]
    circulated_at: datetime
    recorded_at: datetime


class MinutesView(BaseModel):
    circulations: list[CirculationView]
    due_to: list[str] = Field(description="Every agency invited or attending (rule 12)")
    not_yet_sent_to: list[str]
    to_everyone: bool
    due_on: date | None = Field(description="Working days after the discussion was held")
    overdue: bool


class AcknowledgementView(BaseModel):
    agency: str
    recorded_at: datetime
    on_behalf: bool = Field(description="Recorded by the convening authority for the agency")
    obtained_how: str


class AwaitedAcknowledgement(BaseModel):
    agency: str
    due_on: date | None = Field(description="Null until the minutes reach the agency")
    overdue: bool


class DissentView(BaseModel):
    dissent_id: UUID
    agency: str
    account: str
    understood_outcome: str | None
    recorded_at: datetime
    on_behalf: bool
    obtained_how: str
    status: Literal["open", "withdrawn", "settled"]
    withdrawn_at: datetime | None
    settled_by: UUID | None = Field(description="The professional difference that settled it")

    @classmethod
    def of(cls, dissent: Dissent) -> DissentView:
        status: Literal["open", "withdrawn", "settled"] = (
            "withdrawn" if dissent.withdrawn_at else "settled" if dissent.settled_by else "open"
        )
        return cls(
            dissent_id=dissent.dissent_id,
            agency=dissent.agency,
            account=dissent.account,
            understood_outcome=dissent.understood_outcome,
            recorded_at=utc(dissent.recorded_at),
            on_behalf=bool(dissent.obtained_how),
            obtained_how=dissent.obtained_how,
            status=status,
            withdrawn_at=utc(dissent.withdrawn_at),
            settled_by=dissent.settled_by,
        )


class DiscussionView(BaseModel):
    case_id: UUID
    discussion_id: UUID
    responsible_authority: AuthorityRef | None
    convened_by: AuthorityRef
    convened_at: datetime
    scheduled_for: datetime
    mode: str
    chair: str
    reason: str
    invited: list[AgencyView]
    missing_agencies: list[Literal["social-care", "police", "health", "gp"]] = Field(
        description="Who Working Together 2023 expects and was not invited (rule 13: a "
        "warning, not a refusal)"
    )
    outcome: DiscussionOutcomeView | None = Field(description="Null until recorded (rule 11)")
    minutes: MinutesView
    acknowledgements: list[AcknowledgementView]
    awaiting_acknowledgement: list[AwaitedAcknowledgement] = Field(
        description="Attending agencies that have neither acknowledged nor dissented"
    )
    disputed: bool = Field(description="An open dissent stands (rule 12)")
    dissents: list[DissentView]

    @classmethod
    def of(
        cls, case: Case, discussion: Discussion, now: datetime, timescales: DecisionTimescales
    ) -> DiscussionView:
        today = london_date(now)
        outcome = discussion.outcome
        responsible = case.responsible_authority(now)
        due_to = sorted(discussion.minutes_due_to())
        minutes_due = timescales.minutes_due_on(discussion)
        return cls(
            case_id=case.id,
            discussion_id=discussion.discussion_id,
            responsible_authority=AuthorityRef.maybe(responsible),
            convened_by=AuthorityRef.of(discussion.convened_by),
            convened_at=utc(discussion.convened_at),
            scheduled_for=utc(discussion.scheduled_for),
            mode=discussion.mode,
            chair=discussion.chair,
            reason=discussion.reason,
            invited=[AgencyView(code=a.code, kind=a.kind, name=a.name) for a in discussion.invited],
            missing_agencies=discussion.missing_agencies(),
            outcome=None
            if outcome is None
            else DiscussionOutcomeView(
                held_at=utc(outcome.held_at),
                attended=outcome.attended,
                not_attended=[a.code for a in discussion.invited if a.code not in outcome.attended],
                outcome=outcome.outcome,
                outcome_text=outcome.outcome_text,
                rationale=outcome.rationale,
                follow_up_on=outcome.follow_up_on,
                follow_up_overdue=follow_up_overdue(
                    discussion, list(case.discussions.values()), today
                ),
                recorded_at=utc(outcome.recorded_at),
            ),
            minutes=MinutesView(
                circulations=[
                    CirculationView(
                        to=c.to, circulated_at=utc(c.circulated_at), recorded_at=utc(c.recorded_at)
                    )
                    for c in discussion.circulations
                ],
                due_to=due_to,
                not_yet_sent_to=[c for c in due_to if c not in discussion.circulated_to()],
                to_everyone=discussion.minutes_to_everyone(),
                due_on=minutes_due,
                overdue=timescales.minutes_overdue(discussion, today),
            ),
            acknowledgements=[
                AcknowledgementView(
                    agency=a.agency,
                    recorded_at=utc(a.recorded_at),
                    on_behalf=bool(a.obtained_how),
                    obtained_how=a.obtained_how,
                )
                for a in discussion.acknowledgements.values()
            ],
            awaiting_acknowledgement=[
                _awaited(discussion, agency, today, timescales)
                for agency in discussion.awaiting_acknowledgement()
            ],
            disputed=discussion.disputed,
            dissents=[DissentView.of(d) for d in discussion.dissents.values()],
        )


def _awaited(
    discussion: Discussion, agency: str, today: date, timescales: DecisionTimescales
) -> AwaitedAcknowledgement:
    due = timescales.acknowledgement_due_on(discussion, agency)
    return AwaitedAcknowledgement(
        agency=agency, due_on=due, overdue=due is not None and today > due
    )


class DiscussionList(BaseModel):
    case_id: UUID
    responsible_authority: AuthorityRef | None
    items: list[DiscussionView]
