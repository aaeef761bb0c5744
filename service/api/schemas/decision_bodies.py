"""Request bodies of strategy discussions and professional differences (rules 11 to 15)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from service.domain.text import LIST_MAX

from .common import Body, Text

Name = Annotated[str, Field(min_length=1, max_length=200)]
AgencyCode = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        description="A partner principal's agency code (e.g. 'police-avon-somerset'), an "
        "authority's DfE code, or a code you give an agency without a principal",
    ),
]
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
ObtainedHow = Annotated[
    Text | None,
    Field(
        description="Recorded by the convening authority on an agency's behalf: how it was "
        "obtained (required then, e.g. 'telephone call with the practice manager')"
    ),
]


class InvitedAgency(Body):
    code: AgencyCode
    kind: AgencyKind
    name: Name


class DiscussionConvening(Body):
    scheduled_for: AwareDatetime = Field(description="When the discussion is to be held")
    mode: Mode
    chair: Name
    reason: Text
    invited: Annotated[list[InvitedAgency], Field(min_length=1, max_length=LIST_MAX)]


class OutcomeRecord(Body):
    held_at: AwareDatetime = Field(description="When the discussion was held (not future)")
    attended: Annotated[list[AgencyCode], Field(max_length=LIST_MAX)] = Field(
        description="Codes of the agencies that attended: invited ones, or the convening "
        "authority's own DfE code"
    )
    outcome: OutcomeCode = Field(description="Rule 11's closed list")
    outcome_text: Text | None = Field(None, description="Required with outcome 'other'")
    rationale: Text
    follow_up_on: date | None = Field(
        None, description="A follow-up discussion's date, if more information is needed"
    )


class MinutesCirculation(Body):
    to: Annotated[list[AgencyCode], Field(min_length=1, max_length=LIST_MAX)]
    circulated_at: AwareDatetime


class AcknowledgementRecord(Body):
    agency: AgencyCode | None = Field(
        None, description="The agency acknowledging; default: your own"
    )
    obtained_how: ObtainedHow = None


class DissentRecord(Body):
    account: Text = Field(description="The agency's own account of the outcome")
    understood_outcome: OutcomeCode | None = Field(
        None, description="The outcome the agency understood was decided"
    )
    agency: AgencyCode | None = Field(None, description="The agency dissenting; default: yours")
    obtained_how: ObtainedHow = None


class DissentWithdrawal(Body):
    obtained_how: ObtainedHow = None


class DifferenceRaising(Body):
    responded_by: AgencyCode = Field(description="The agency the difference is raised with")
    about: Text = Field(description="The decision on the case it is about")
    discussion_id: UUID | None = Field(None, description="A discussion whose outcome it is about")
    disputed: Text = Field(description="What is disputed")
    outcome_sought: Text
    held_by: Name = Field(description="Who holds it at stage 1 (practitioners)")


class DifferenceResponseRecord(Body):
    response: Text


class DifferenceEscalation(Body):
    held_by: Name = Field(description="Who holds it at the next stage")
    reason: Text


class DifferenceResolution(Body):
    outcome_statement: Text = Field(
        description="The written outcome; resolved once both sides have recorded the same"
    )


class Acceptance(Body):
    open_matters: Annotated[list[UUID], Field(max_length=LIST_MAX)] = Field(
        default_factory=list,
        description="Rule 15: the id of each disputed strategy discussion and each open "
        "professional difference on the case, named as seen",
    )
