"""What each case event says beyond who recorded it and when: the ``data`` of a history
entry (and of an event feed entry), one model per event type.

The fields are the event's own (``service.audit.feed.event_data``), named and typed as
the domain declares them (``service/domain/case/``); these models only document and
check them, so the JSON is what the record holds. Fields a later version of the service
adds pass through (``extra="allow"``) rather than vanish from the record; a test
(``tests/unit/test_history_entries.py``) fails until they are written here.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

AUTHORITY = "A local authority's DfE code"
AGENCY = "An agency's code: a partner principal's agency, or one the discussion gave it"
RECORDED_FOR = "Who recorded it: the agency itself, or the convening authority for it"
STEP_BY = "The agency (or authority) that took this step"
OBTAINED_HOW = "How an entry recorded on an agency's behalf was obtained; empty otherwise"


class EventData(BaseModel):
    """The fields of one case event, as the record holds them."""

    model_config = ConfigDict(extra="allow")


# ---- opening and closing a case -------------------------------------------------------


class CaseOpenedData(EventData):
    """The opening authority is responsible from this event's instant."""

    authority: str = Field(description=AUTHORITY)
    local_reference: str = Field(description="The opening authority's own case reference")
    nhs_number: str | None
    date_of_birth: date | None
    expected_date_of_birth: date | None


class LocalReferenceRecordedData(EventData):
    authority: str = Field(description=AUTHORITY)
    reference: str
    replaces: str | None = Field(description="The authority's reference this one replaces")


class CaseClosedData(EventData):
    reason_code: str = Field(description="The CIN census reason code, RC1-RC9")
    closes_at: datetime | None = Field(
        None,
        exclude_if=lambda value: value is None,
        description="When nobody is responsible any more; absent on closures recorded "
        "before the settle margin existed, which closed at their recorded time",
    )


class AssessmentCompletedData(EventData):
    assessment_id: UUID
    authority: str = Field(description=AUTHORITY)
    completed_on: date
    factors: list[str] = Field(description="CIN census assessment factor codes")
    primary_need_code: str = Field(description="N0-N9")
    summary: str
    corrects: UUID | None = Field(description="The assessment this one corrects")


# ---- a transfer and its date ---------------------------------------------------------


class TransferProposedData(EventData):
    transfer_id: UUID
    from_authority: str = Field(description=AUTHORITY)
    to_authority: str = Field(description=AUTHORITY)
    reason: str


class InformationSharedData(EventData):
    transfer_id: UUID
    categories: list[str]
    references: list[str]
    shared_on: date
    note: str


class InformationReceiptConfirmedData(EventData):
    transfer_id: UUID


class TransferDateProposedData(EventData):
    transfer_id: UUID
    date: date


class TransferDateAgreedData(EventData):
    transfer_id: UUID
    date: date


class ResponsibilityAcceptedData(EventData):
    transfer_id: UUID
    effective_at: datetime = Field(description="When responsibility passes (rule 6)")


class OpenMattersNamedData(EventData):
    """What an acceptance named (rule 15), recorded with it."""

    transfer_id: UUID
    discussions: list[UUID] = Field(description="Strategy discussions with a disputed outcome")
    differences: list[UUID] = Field(description="Professional differences still open")


class TransferDeclinedData(EventData):
    transfer_id: UUID
    reason: str


class TransferWithdrawnData(EventData):
    transfer_id: UUID
    reason: str


# ---- strategy discussions ------------------------------------------------------------


class InvitedAgencyData(BaseModel):
    """An agency invited to a strategy discussion."""

    model_config = ConfigDict(extra="allow")

    code: str = Field(description=AGENCY)
    kind: str = Field(description="police, gp, hospital, health-visiting, school, ...")
    name: str


class StrategyDiscussionConvenedData(EventData):
    discussion_id: UUID
    authority: str = Field(description=AUTHORITY)
    scheduled_for: datetime
    mode: str = Field(description="meeting, call or virtual")
    chair: str
    reason: str
    invited: list[InvitedAgencyData]


class StrategyOutcomeRecordedData(EventData):
    discussion_id: UUID
    held_at: datetime
    attended: list[str] = Field(description="Authority and agency codes")
    outcome: str = Field(description="One of rule 11's outcomes, e.g. section-47-enquiry")
    outcome_text: str = Field(description="The outcome in words; needed for `other`")
    rationale: str
    follow_up_on: date | None


class MinutesCirculatedData(EventData):
    discussion_id: UUID
    to: list[str] = Field(description="Agency codes")
    circulated_at: datetime


class MinutesAcknowledgedData(EventData):
    discussion_id: UUID
    agency: str = Field(description=AGENCY)
    recorded_for: str = Field(description=RECORDED_FOR)
    obtained_how: str = Field(description=OBTAINED_HOW)


class DissentRecordedData(EventData):
    discussion_id: UUID
    dissent_id: UUID
    agency: str = Field(description=AGENCY)
    account: str
    understood_outcome: str | None = Field(description="The outcome the agency understood")
    recorded_for: str = Field(description=RECORDED_FOR)
    obtained_how: str = Field(description=OBTAINED_HOW)


class DissentWithdrawnData(EventData):
    discussion_id: UUID
    dissent_id: UUID
    obtained_how: str = Field(description=OBTAINED_HOW)


# ---- professional differences --------------------------------------------------------


class ProfessionalDifferenceRaisedData(EventData):
    difference_id: UUID
    raised_by: str = Field(description="The agency (or authority) that raised it")
    responded_by: str = Field(description="The agency (or authority) that responds")
    about: str
    discussion_id: UUID | None = Field(description="The strategy discussion it is about")
    disputed: str
    outcome_sought: str
    held_by: str = Field(description="Who holds it at stage 1")


class DifferenceRespondedData(EventData):
    difference_id: UUID
    agency: str = Field(description=STEP_BY)
    stage: int = Field(description="The stage answered, 1-4")
    response: str


class DifferenceEscalatedData(EventData):
    difference_id: UUID
    agency: str = Field(description=STEP_BY)
    stage: int = Field(description="The stage reached, 2-4")
    held_by: str
    reason: str


class DifferenceResolutionRecordedData(EventData):
    difference_id: UUID
    agency: str = Field(description=STEP_BY)
    outcome_statement: str


class DifferenceClosedUnresolvedData(EventData):
    difference_id: UUID
    agency: str = Field(description=STEP_BY)
    reason: str


EVENT_DATA: tuple[type[EventData], ...] = (
    CaseOpenedData,
    LocalReferenceRecordedData,
    AssessmentCompletedData,
    TransferProposedData,
    InformationSharedData,
    InformationReceiptConfirmedData,
    TransferDateProposedData,
    TransferDateAgreedData,
    ResponsibilityAcceptedData,
    OpenMattersNamedData,
    TransferDeclinedData,
    TransferWithdrawnData,
    CaseClosedData,
    StrategyDiscussionConvenedData,
    StrategyOutcomeRecordedData,
    MinutesCirculatedData,
    MinutesAcknowledgedData,
    DissentRecordedData,
    DissentWithdrawnData,
    ProfessionalDifferenceRaisedData,
    DifferenceRespondedData,
    DifferenceEscalatedData,
    DifferenceResolutionRecordedData,
    DifferenceClosedUnresolvedData,
)
"""Every case event's data model; the event type is the model's name without ``Data``."""
