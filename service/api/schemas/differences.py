"""How professional differences are rendered (rules 14 and 15).

Every fact a reader needs is a field: a difference's stage, who holds it, when it is
due and whether it is overdue or stalled. Timescales count working days.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from service.domain.calendar import london_date
from service.domain.case import Case
from service.domain.case.difference import STAGES, Difference
from service.domain.decision_timescales import DecisionTimescales

from .common import AuthorityRef, utc


class StageView(BaseModel):
    stage: int
    name: str
    held_by: str
    reached_at: datetime
    moved_by: str


class DifferenceResponseView(BaseModel):
    stage: int
    responded_by: str
    response: str
    recorded_at: datetime


class DifferenceView(BaseModel):
    case_id: UUID
    difference_id: UUID
    raised_by: str
    responded_by: str
    about: str
    discussion_id: UUID | None
    disputed: str
    outcome_sought: str
    raised_at: datetime
    status: Literal["open", "resolved", "closed-unresolved"]
    stage: int = Field(description="1 practitioners, 2 managers, 3 senior managers, 4 partnership")
    stage_name: str
    held_by: str = Field(description="Who holds it at the current stage")
    due_on: date | None = Field(description="The current stage's answer is due; null once ended")
    overdue: bool = Field(description="No response at this stage by its due date")
    stalled: bool = Field(description="Still at this stage past its timescale")
    stages: list[StageView]
    responses: list[DifferenceResponseView]
    outcome_statement: str | None
    acknowledged_by: list[str] = Field(description="Sides that recorded the outcome statement")
    ended_at: datetime | None
    closure_reason: str | None

    @classmethod
    def of(
        cls, case: Case, difference: Difference, now: datetime, timescales: DecisionTimescales
    ) -> DifferenceView:
        today = london_date(now)
        return cls(
            case_id=case.id,
            difference_id=difference.difference_id,
            raised_by=difference.raised_by,
            responded_by=difference.responded_by,
            about=difference.about,
            discussion_id=difference.discussion_id,
            disputed=difference.disputed,
            outcome_sought=difference.outcome_sought,
            raised_at=utc(difference.raised_at),
            status=difference.status,
            stage=difference.stage,
            stage_name=STAGES[difference.stage],
            held_by=difference.stages[-1].held_by,
            due_on=timescales.stage_due_on(difference) if difference.is_open else None,
            overdue=timescales.stage_overdue(difference, today),
            stalled=timescales.stalled(difference, today),
            stages=[
                StageView(
                    stage=s.stage,
                    name=STAGES[s.stage],
                    held_by=s.held_by,
                    reached_at=utc(s.reached_at),
                    moved_by=s.moved_by,
                )
                for s in difference.stages
            ],
            responses=[
                DifferenceResponseView(
                    stage=r.stage,
                    responded_by=r.agency,
                    response=r.response,
                    recorded_at=utc(r.recorded_at),
                )
                for r in difference.responses
            ],
            outcome_statement=difference.outcome_statement,
            acknowledged_by=sorted(difference.acknowledged_by),
            ended_at=utc(difference.ended_at),
            closure_reason=difference.closure_reason,
        )


class DifferenceList(BaseModel):
    case_id: UUID
    responsible_authority: AuthorityRef | None
    items: list[DifferenceView]
