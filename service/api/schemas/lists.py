"""Response bodies of the lists across cases (caseloads, transfers, the worklist)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, Field

from service.domain import worklist
from service.domain.case import Case
from service.domain.case.difference import STAGES
from service.domain.case.transfer import Transfer
from service.domain.decision_timescales import (
    ACKNOWLEDGE_MINUTES,
    CIRCULATE_MINUTES,
    DECISION_KINDS,
    HOLD_FOLLOW_UP,
    MOVE_DIFFERENCE_ON,
    RESPOND_TO_DIFFERENCE,
    STAGE_KINDS,
)
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
    """One thing an authority or a partner agency must do on one case, and by when."""

    item_id: str = Field(description="Stable: the same item keeps its id while it is owed")
    kind: str = Field(description=f"One of: {', '.join(worklist.KINDS)}")
    action: str = Field(description="What to do, in a sentence")
    case_id: UUID
    transfer_id: UUID | None
    discussion_id: UUID | None = Field(description="The strategy discussion it is about")
    difference_id: UUID | None = Field(description="The professional difference it is about")
    counterpart: AuthorityRef | None = Field(description="The other authority involved")
    counterpart_agency: str | None = Field(
        description="The other agency involved, when it is a partner agency, not an authority"
    )
    counted_from: date = Field(description="The London date the timescale counts from")
    due_on: date = Field(description="The last day in time; overdue from the day after")
    overdue: bool

    @classmethod
    def of(cls, entry: WorkEntry) -> WorkItemView:
        item = entry.item
        subject = item.transfer_id
        kind = item.kind
        is_authority = item.counterpart in authorities()
        return cls(
            item_id=item.item_id,
            kind=kind,
            action=action(kind, item.counterpart),
            case_id=item.case_id,
            transfer_id=subject if kind in TRANSFER_KINDS else None,
            discussion_id=subject if kind in DISCUSSION_KINDS else None,
            difference_id=subject if kind in STAGE_KINDS else None,
            counterpart=AuthorityRef.of(item.counterpart)
            if item.counterpart and is_authority
            else None,
            counterpart_agency=item.counterpart if item.counterpart and not is_authority else None,
            counted_from=item.counted_from,
            due_on=entry.due_on,
            overdue=entry.overdue,
        )


class Worklist(BaseModel):
    """What one authority (or partner agency) must do next, across its cases, as of
    ``today`` (London)."""

    authority: AuthorityRef | None = Field(description="Null on a partner agency's worklist")
    agency: str | None = Field(None, description="A partner's agency code, on its worklist")
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
    CIRCULATE_MINUTES: "Circulate the strategy discussion's minutes to every agency",
    ACKNOWLEDGE_MINUTES: "Acknowledge the minutes from {other}, or record a dissent",
    HOLD_FOLLOW_UP: "Hold the follow-up strategy discussion by the date set",
    **{
        RESPOND_TO_DIFFERENCE.format(stage=stage): f"Respond at stage {stage} to the "
        "professional difference raised by {other}"
        for stage in STAGES
    },
    **{
        MOVE_DIFFERENCE_ON.format(stage=stage): f"Move the professional difference with "
        f"{{other}} on from stage {stage} ({name}) if it is not settled in time"
        for stage, name in STAGES.items()
    },
}
TRANSFER_KINDS = frozenset(worklist.KINDS) - set(DECISION_KINDS)
DISCUSSION_KINDS = frozenset({CIRCULATE_MINUTES, ACKNOWLEDGE_MINUTES, HOLD_FOLLOW_UP})


def action(kind: str, counterpart: str | None) -> str:
    """The plain-English sentence for a kind of work item, naming the other authority
    (or the other agency, by its code)."""
    known = authorities()
    if counterpart is None:
        other = "the other authority"
    else:
        other = known[counterpart].name if counterpart in known else counterpart
    return ACTIONS[kind].format(other=other)
