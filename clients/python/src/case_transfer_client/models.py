"""The service's views as typed models: what every route answers.

Written from the service's OpenAPI document (``openapi/openapi.json``). Fields the
service adds later are ignored, so a newer service does not break an older client;
``status``, ``stage`` and ``direction`` are the contract's fixed sets.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, Literal, TypeVar, cast
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    PrivateAttr,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
)

from .event_data import EventData, typed_data

Status = Literal["open", "closed"]
Stage = Literal["proposed", "accepted", "completed", "declined", "withdrawn"]
Direction = Literal["incoming", "outgoing"]

T = TypeVar("T")


@dataclass(frozen=True)
class Answered:
    """What the headers of an answer said, beside its body."""

    status_code: int
    etag: str | None
    log_position: int | None
    """``X-Log-Position``: a write's own position, or how far along the log a list was read."""
    replayed: bool
    """``Idempotent-Replayed``: a retry was answered with the first answer."""
    location: str | None
    request_id: str | None


class View(BaseModel):
    """A view the service answered; ``answered`` holds the answer's headers."""

    model_config = ConfigDict(frozen=True)
    _answered: Answered | None = PrivateAttr(None)

    @property
    def answered(self) -> Answered | None:
        return self._answered


class AuthorityRef(View):
    code: str
    name: str


class Actor(View):
    name: str
    role: str
    authority: str | None


class InformationShareView(View):
    categories: list[str]
    references: list[str]
    shared_on: date
    note: str
    recorded_at: datetime


class TransferView(View):
    transfer_id: UUID
    from_authority: AuthorityRef
    to_authority: AuthorityRef
    stage: Stage
    reason: str
    proposed_at: datetime
    proposed_date: date | None
    proposed_date_by: AuthorityRef | None
    agreed_date: date | None
    effective_at: datetime | None
    assessment_completed: bool
    information_shared: bool
    information_received: bool
    date_agreed: bool
    accepted: bool
    information: list[InformationShareView]
    ended_at: datetime | None
    end_reason: str | None


class ChildView(View):
    nhs_number: str | None
    date_of_birth: date | None
    expected_date_of_birth: date | None


class LocalReferenceView(View):
    authority: AuthorityRef
    reference: str


class AssessmentView(View):
    assessment_id: UUID
    authority: AuthorityRef
    completed_on: date
    factors: list[str]
    primary_need_code: str
    summary: str
    corrects: UUID | None
    recorded_at: datetime


class CaseView(View):
    case_id: UUID
    version: int
    """The case's version: send it back as ``expected_version=`` (If-Match)."""
    status: Status
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


class ResponsibilityView(View):
    authority: AuthorityRef | None
    since: datetime | None
    until: datetime | None
    at: datetime
    as_known_at: datetime


class Interval(View):
    authority: AuthorityRef
    since: datetime
    until: datetime | None
    scheduled: bool


class TimelineView(View):
    case_id: UUID
    as_known_at: datetime
    intervals: list[Interval]


class Event(View):
    """A case event as the history and the feed list it: ``data`` is validated as the
    model of the entry's ``type``, which subclasses declare before ``data``."""

    @field_validator("data", mode="wrap", check_fields=False)
    @classmethod
    def _typed_by_type(
        cls, data: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> EventData:
        if "type" not in info.data:  # an entry without a valid type is refused anyway
            return cast(EventData, handler(data))
        return typed_data(info.data["type"], data)


class HistoryEntry(Event):
    """One event of a case's history; ``data`` is typed by ``type`` (``event_data``)."""

    version: int
    type: str
    recorded_at: datetime
    actor: Actor | None
    data: EventData


class History(View):
    case_id: UUID
    events: list[HistoryEntry]


class AuthorityEntry(View):
    code: str
    name: str
    gss_code: str
    region: str
    region_gss_code: str


class AuthorityList(View):
    items: list[AuthorityEntry]


class Page(View, Generic[T]):
    """A page of a list; the client's ``iter_…`` methods follow the pages for you."""

    @abstractmethod
    def entries(self) -> list[T]:
        """The page's items."""

    @abstractmethod
    def following(self) -> dict[str, Any] | None:
        """The query parameters that ask for the next page; None on the last page."""


class CursorPage(Page[T]):
    """A page of a list that pages by cursor: send ``next`` back as ``cursor``."""

    items: list[T]
    next: str | None = None

    def entries(self) -> list[T]:
        return self.items

    def following(self) -> dict[str, Any] | None:
        return {"cursor": self.next} if self.next is not None else None


class CaseList(CursorPage[CaseView]):
    pass


class Caseload(CursorPage[CaseView]):
    authority: AuthorityRef
    at: datetime


class TransferListItem(TransferView):
    case_id: UUID


class TransferList(CursorPage[TransferListItem]):
    pass


class WorkItemView(View):
    item_id: str
    kind: str
    action: str
    case_id: UUID
    transfer_id: UUID | None
    discussion_id: UUID | None = None
    """The strategy discussion it is about."""
    difference_id: UUID | None = None
    """The professional difference it is about."""
    counterpart: AuthorityRef | None
    """The other authority involved."""
    counterpart_agency: str | None = None
    """The other agency involved, when it is a partner agency, not an authority."""
    counted_from: date
    due_on: date
    overdue: bool


class Worklist(CursorPage[WorkItemView]):
    authority: AuthorityRef | None
    """Whose worklist; None on a partner agency's (see ``agency``)."""
    agency: str | None = None
    """A partner's agency code, on its worklist."""
    today: date


class Health(View):
    status: str


class ProblemAuthority(View):
    code: str
    name: str


class Problem(View):
    """An RFC 9457 problem: every refusal, with the service's stable ``code``."""

    model_config = ConfigDict(frozen=True, extra="allow")
    type: str = "about:blank"
    title: str = ""
    status: int
    detail: str = ""
    code: str
    errors: list[dict[str, Any]] | None = None
    request_id: str | None = None
    responsible_authority: ProblemAuthority | None = None
    discussions: list[str] | None = None
    """With ``strategy-outcome-pending``: the discussions with no outcome recorded; with
    ``open-matters-not-acknowledged``: the disputed discussions the acceptance did not name."""
    differences: list[str] | None = None
    """With ``open-matters-not-acknowledged``: the open differences it did not name."""
