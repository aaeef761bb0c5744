"""Response bodies of the lists across cases (caseloads, transfers, the worklist)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, Field

from service.domain import worklist
from service.domain.case import Case
from service.domain.case.transfer import Transfer
from service.domain.reference import authorities
from service.projections.queries import WorkEntry

from .cases import CaseView, TransferView
from .common import AuthorityRef

NEXT = "Cursor of the next page (send it as `cursor=`); null on the last"


class Caseload(BaseModel):
    """An authority's open cases at an instant (``at`` may be in the future)."""

    authority: AuthorityRef
    at: datetime
    items: list[CaseView]
    next: str | None = Field(None, description=NEXT)


class TransferListItem(TransferView):
    """A transfer in a list: the transfer's view and the case it belongs to."""

    case_id: UUID

    @classmethod
    def of(cls, case: Case, transfer: Transfer, now: datetime) -> TransferListItem:
        view = TransferView.of(case, transfer, now)
        return cls(**dict(view), case_id=case.id)


class TransferList(BaseModel):
    items: list[TransferListItem]
    next: str | None = Field(None, description=NEXT)


class WorkItemView(BaseModel):
    """One thing an authority must do on one case, and by when."""

    item_id: str = Field(description="Stable: the same item keeps its id while it is owed")
    kind: str = Field(description=f"One of: {', '.join(worklist.KINDS)}")
    action: str = Field(description="What to do, in a sentence")
    case_id: UUID
    transfer_id: UUID | None
    counterpart: AuthorityRef | None = Field(description="The other authority involved")
    counted_from: date = Field(description="The London date the timescale counts from")
    due_on: date = Field(description="The last day in time; overdue from the day after")
    overdue: bool

    @classmethod
    def of(cls, entry: WorkEntry) -> WorkItemView:
        item = entry.item
        return cls(
            item_id=item.item_id,
            kind=item.kind,
            action=action(item.kind, item.counterpart),
            case_id=item.case_id,
            transfer_id=item.transfer_id,
            counterpart=AuthorityRef.of(item.counterpart) if item.counterpart else None,
            counted_from=item.counted_from,
            due_on=entry.due_on,
            overdue=entry.overdue,
        )


class Worklist(BaseModel):
    """What one authority must do next, across its cases, as of ``today`` (London)."""

    authority: AuthorityRef
    today: date
    items: list[WorkItemView]
    next: str | None = Field(None, description=NEXT)


ACTIONS = {
    worklist.SHARE_INFORMATION: "Share information with {other}",
    worklist.CONFIRM_RECEIPT: "Confirm receipt of the information shared by {other}",
    worklist.DECIDE_TRANSFER: "Accept or decline the transfer from {other}",
    worklist.RESPOND_TO_DATE: "Agree or answer the transfer date proposed by {other}",
    worklist.AGREE_NEW_DATE: "Agree a new transfer date with {other}: the agreed date passed",
    worklist.ASSESS_AFTER_HANDOVER: "Assess the child's needs after the hand-over from {other}",
}


def action(kind: str, counterpart: str | None) -> str:
    """The plain-English sentence for a kind of work item, naming the other authority."""
    other = authorities()[counterpart].name if counterpart else "the other authority"
    return ACTIONS[kind].format(other=other)
