"""What each case event says, typed: the ``data`` of a history entry or a feed event.

Written from the OpenAPI document's ``*Data`` schemas (``CaseOpenedData``, …), one
model per event type. An entry's ``type`` picks the model (``typed_data``); an event
type this client does not know yet keeps its data as a plain mapping, so a newer
service never breaks an older client. Narrow with ``isinstance`` or ``match``:

    match entry.data:
        case TransferProposedData(to_authority=to):
            ...
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeAlias, cast
from uuid import UUID

from pydantic import BaseModel, ConfigDict


class EventFields(BaseModel):
    """The fields of one case event; fields the service adds later are ignored."""

    model_config = ConfigDict(frozen=True)


class CaseOpenedData(EventFields):
    authority: str
    local_reference: str
    nhs_number: str | None
    date_of_birth: date | None
    expected_date_of_birth: date | None


class LocalReferenceRecordedData(EventFields):
    authority: str
    reference: str
    replaces: str | None


class CaseClosedData(EventFields):
    reason_code: str
    closes_at: datetime | None = None
    """None on closures recorded before the settle margin existed."""


class AssessmentCompletedData(EventFields):
    assessment_id: UUID
    authority: str
    completed_on: date
    factors: list[str]
    primary_need_code: str
    summary: str
    corrects: UUID | None


class TransferProposedData(EventFields):
    transfer_id: UUID
    from_authority: str
    to_authority: str
    reason: str


class InformationSharedData(EventFields):
    transfer_id: UUID
    categories: list[str]
    references: list[str]
    shared_on: date
    note: str


class InformationReceiptConfirmedData(EventFields):
    transfer_id: UUID


class TransferDateProposedData(EventFields):
    transfer_id: UUID
    date: date


class TransferDateAgreedData(EventFields):
    transfer_id: UUID
    date: date


class ResponsibilityAcceptedData(EventFields):
    transfer_id: UUID
    effective_at: datetime


class OpenMattersNamedData(EventFields):
    transfer_id: UUID
    discussions: list[UUID]
    differences: list[UUID]


class TransferDeclinedData(EventFields):
    transfer_id: UUID
    reason: str


class TransferWithdrawnData(EventFields):
    transfer_id: UUID
    reason: str


class InvitedAgencyData(EventFields):
    code: str
    kind: str
    name: str


class StrategyDiscussionConvenedData(EventFields):
    discussion_id: UUID
    authority: str
    scheduled_for: datetime
    mode: str
    chair: str
    reason: str
    invited: list[InvitedAgencyData]


class StrategyOutcomeRecordedData(EventFields):
    discussion_id: UUID
    held_at: datetime
    attended: list[str]
    outcome: str
    outcome_text: str
    rationale: str
    follow_up_on: date | None


class MinutesCirculatedData(EventFields):
    discussion_id: UUID
    to: list[str]
    circulated_at: datetime


class MinutesAcknowledgedData(EventFields):
    discussion_id: UUID
    agency: str
    recorded_for: str
    obtained_how: str


class DissentRecordedData(EventFields):
    discussion_id: UUID
    dissent_id: UUID
    agency: str
    account: str
    understood_outcome: str | None
    recorded_for: str
    obtained_how: str


class DissentWithdrawnData(EventFields):
    discussion_id: UUID
    dissent_id: UUID
    obtained_how: str


class ProfessionalDifferenceRaisedData(EventFields):
    difference_id: UUID
    raised_by: str
    responded_by: str
    about: str
    discussion_id: UUID | None
    disputed: str
    outcome_sought: str
    held_by: str


class DifferenceRespondedData(EventFields):
    difference_id: UUID
    agency: str
    stage: int
    response: str


class DifferenceEscalatedData(EventFields):
    difference_id: UUID
    agency: str
    stage: int
    held_by: str
    reason: str


class DifferenceResolutionRecordedData(EventFields):
    difference_id: UUID
    agency: str
    outcome_statement: str


class DifferenceClosedUnresolvedData(EventFields):
    difference_id: UUID
    agency: str
    reason: str


EventData: TypeAlias = (
    CaseOpenedData
    | LocalReferenceRecordedData
    | CaseClosedData
    | AssessmentCompletedData
    | TransferProposedData
    | InformationSharedData
    | InformationReceiptConfirmedData
    | TransferDateProposedData
    | TransferDateAgreedData
    | ResponsibilityAcceptedData
    | OpenMattersNamedData
    | TransferDeclinedData
    | TransferWithdrawnData
    | StrategyDiscussionConvenedData
    | StrategyOutcomeRecordedData
    | MinutesCirculatedData
    | MinutesAcknowledgedData
    | DissentRecordedData
    | DissentWithdrawnData
    | ProfessionalDifferenceRaisedData
    | DifferenceRespondedData
    | DifferenceEscalatedData
    | DifferenceResolutionRecordedData
    | DifferenceClosedUnresolvedData
    | dict[str, Any]
)
"""An event's data: its type's model, or a mapping for a type this client does not know."""

BY_TYPE: dict[str, type[EventFields]] = {
    model.__name__.removesuffix("Data"): model
    for model in EventFields.__subclasses__()
    if model is not InvitedAgencyData
}
"""The data model of each event type this client knows, by the event's ``type``."""


def typed_data(event_type: str, data: Any) -> EventData:
    """``data`` as ``event_type``'s model; as it came for a type this client does not know."""
    model = BY_TYPE.get(event_type)
    return cast(EventData, model.model_validate(data) if model is not None else dict(data))
