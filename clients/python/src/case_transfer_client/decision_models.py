"""The views of strategy discussions and professional differences (rules 11 to 15).

Written from the service's OpenAPI document, like ``models``: every fact a reader needs
is a field (whether the minutes reached everyone, who has still to acknowledge, whether
the outcome is disputed; a difference's stage, who holds it, when it is due).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from .models import AuthorityRef, View

AgencyKind = Literal[
    "police", "gp", "hospital", "health-visiting", "school", "social-care", "probation", "other"
]
Mode = Literal["meeting", "call", "virtual"]
OutcomeCode = Literal[
    "section-47-enquiry",
    "initial-child-protection-conference",
    "continue-section-17-assessment",
    "another-agency-to-monitor",
    "legal-action",
    "no-further-action",
    "other",
]
"""Rule 11's closed list of what a strategy discussion decides."""


class AgencyView(View):
    code: str
    kind: str
    name: str


class DiscussionOutcomeView(View):
    held_at: datetime
    attended: list[str]
    not_attended: list[str]
    outcome: str
    outcome_text: str
    rationale: str
    follow_up_on: date | None
    follow_up_overdue: bool
    recorded_at: datetime


class CirculationView(View):
    to: list[str]
    circulated_at: datetime
    recorded_at: datetime


class MinutesView(View):
    circulations: list[CirculationView]
    due_to: list[str]
    """Every agency invited or attending (rule 12)."""
    not_yet_sent_to: list[str]
    to_everyone: bool
    due_on: date | None
    overdue: bool


class AcknowledgementView(View):
    agency: str
    recorded_at: datetime
    on_behalf: bool
    obtained_how: str


class AwaitedAcknowledgement(View):
    agency: str
    due_on: date | None
    overdue: bool


class DissentView(View):
    dissent_id: UUID
    agency: str
    account: str
    understood_outcome: str | None
    recorded_at: datetime
    on_behalf: bool
    obtained_how: str
    status: Literal["open", "withdrawn", "settled"]
    withdrawn_at: datetime | None
    settled_by: UUID | None
    """The professional difference that settled it."""


class DiscussionView(View):
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
    missing_agencies: list[str]
    """Who Working Together 2023 expects and was not invited (rule 13: a warning)."""
    outcome: DiscussionOutcomeView | None
    minutes: MinutesView
    acknowledgements: list[AcknowledgementView]
    awaiting_acknowledgement: list[AwaitedAcknowledgement]
    disputed: bool
    """An open dissent stands (rule 12): name the discussion when accepting a transfer."""
    dissents: list[DissentView]


class DiscussionList(View):
    case_id: UUID
    responsible_authority: AuthorityRef | None
    items: list[DiscussionView]


class StageView(View):
    stage: int
    name: str
    held_by: str
    reached_at: datetime
    moved_by: str


class DifferenceResponseView(View):
    stage: int
    responded_by: str
    response: str
    recorded_at: datetime


class DifferenceView(View):
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
    stage: int
    """1 practitioners, 2 managers, 3 senior managers, 4 partnership."""
    stage_name: str
    held_by: str
    due_on: date | None
    overdue: bool
    stalled: bool
    stages: list[StageView]
    responses: list[DifferenceResponseView]
    outcome_statement: str | None
    acknowledged_by: list[str]
    ended_at: datetime | None
    closure_reason: str | None


class DifferenceList(View):
    case_id: UUID
    responsible_authority: AuthorityRef | None
    items: list[DifferenceView]
