"""The worklist: what each authority must do next on a case, and by when.

``work_for`` is a pure function of the case's state, never of the clock: the same
events always give the same items, so a read model can store them and a replay
rebuilds them. Whether an item is shown yet, and whether it is overdue, depends on
today's date and on the regional ``Timescales``, and is asked of each item later.
Due dates count working days on the England and Wales calendar (DESIGN.md, "Time"),
from the London date the clock starts; only the days after it count.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from uuid import UUID

from .calendar import add_working_days, london_date
from .case import CLOSED, Case
from .case.transfer import Transfer
from .decision_timescales import DECISION_KINDS, DecisionTimescales

SHARE_INFORMATION = "share-information"
CONFIRM_RECEIPT = "confirm-receipt"
DECIDE_TRANSFER = "decide-transfer"
RESPOND_TO_DATE = "respond-to-date-proposal"
AGREE_NEW_DATE = "agree-new-date"
ASSESS_AFTER_HANDOVER = "assess-after-handover"
KINDS = (
    SHARE_INFORMATION,
    CONFIRM_RECEIPT,
    DECIDE_TRANSFER,
    RESPOND_TO_DATE,
    AGREE_NEW_DATE,
    ASSESS_AFTER_HANDOVER,
    *DECISION_KINDS,
)


@dataclass(frozen=True)
class Timescales:
    """Working days allowed for each step; regional procedures differ, so configurable.

    The two date kinds have no timescale: they are due by a date the parties chose.
    """

    share_information: int = 5
    confirm_receipt: int = 2
    decide_transfer: int = 10
    assess_after_handover: int = 45
    decisions: DecisionTimescales = field(default_factory=DecisionTimescales)
    """Minutes, acknowledgements and professional-difference stages (``decision_work``)."""

    def __post_init__(self) -> None:
        for f in fields(self):
            if f.name == "decisions":
                continue
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{f.name} must be a whole number of days, 0 or more: {value!r}")

    def days_for(self, kind: str) -> int:
        """The working days allowed for ``kind``; ValueError for a kind with a fixed date."""
        decision_days = self.decisions.days_for(kind)
        if decision_days is not None:
            return decision_days
        if kind not in _COUNTED:
            raise ValueError(f"{kind!r} is due on a fixed date, not in working days")
        days: int = getattr(self, _COUNTED[kind])
        return days


# The kinds counted in working days, and the Timescales field that says how many.
_COUNTED = {
    SHARE_INFORMATION: "share_information",
    CONFIRM_RECEIPT: "confirm_receipt",
    DECIDE_TRANSFER: "decide_transfer",
    ASSESS_AFTER_HANDOVER: "assess_after_handover",
}


@dataclass(frozen=True)
class WorkItem:
    """One thing one authority must do on one case.

    ``counted_from`` and ``visible_from`` are usually the same date; they differ in
    meaning because a scheduled step (a hand-over, an agreed date) is known before it
    is due to be acted on, and the list should not nag before then.
    """

    kind: str
    authority: str
    case_id: UUID
    transfer_id: UUID | None
    counterpart: str | None
    counted_from: date
    visible_from: date
    deadline: date | None = None

    @property
    def item_id(self) -> str:
        """Stable across rebuilds, and unique within a case's list."""
        return f"{self.case_id}/{self.transfer_id or '-'}/{self.kind}/{self.authority}"

    def due_on(self, timescales: Timescales) -> date:
        if self.deadline is not None:
            return self.deadline
        return add_working_days(self.counted_from, timescales.days_for(self.kind))

    def shown_on(self, today: date) -> bool:
        return today >= self.visible_from

    def overdue(self, today: date, timescales: Timescales) -> bool:
        """Overdue from the day after it is due: the due date itself is still in time."""
        return today > self.due_on(timescales)


def work_for(case: Case) -> list[WorkItem]:
    """Everything outstanding on ``case``, transfer by transfer, in the order of the steps.

    A closed case owes nothing, and a declined or withdrawn transfer owes nothing.
    """
    if case.status == CLOSED:
        return []
    items: list[WorkItem] = []
    for transfer in case.transfers.values():
        if transfer.ended is None:
            items.extend(_transfer_work(case.id, transfer))
    items.extend(_handover_work(case))
    return items


def _transfer_work(case_id: UUID, transfer: Transfer) -> list[WorkItem]:
    """The steps still owed on one transfer that is neither declined nor withdrawn.

    Acceptance settles every step before it, so an accepted transfer owes nothing here.
    """
    if transfer.accepted_at is not None:
        return []

    def item(kind: str, authority: str, start: date, deadline: date | None = None) -> WorkItem:
        other = transfer.other_party(authority)
        return WorkItem(
            kind, authority, case_id, transfer.transfer_id, other, start, start, deadline
        )

    frm, to = transfer.from_authority, transfer.to_authority
    items: list[WorkItem] = []
    if not transfer.information:
        items.append(item(SHARE_INFORMATION, frm, london_date(transfer.proposed_at)))
    else:
        # Both of the receiving authority's clocks start when information first arrives.
        first_shared = london_date(transfer.information[0].recorded_at)
        if transfer.information_received_at is None:
            items.append(item(CONFIRM_RECEIPT, to, first_shared))
        items.append(item(DECIDE_TRANSFER, to, first_shared))
    proposal = transfer.date_proposal
    if proposal is not None and transfer.agreed_date is None:
        responder = transfer.other_party(proposal.proposed_by)
        items.append(
            item(RESPOND_TO_DATE, responder, london_date(proposal.proposed_at), proposal.date)
        )
    if transfer.agreed_date is not None:
        # Known from the agreement, due only once the date has lapsed unaccepted.
        lapsed = transfer.agreed_date + timedelta(days=1)
        items.extend(item(AGREE_NEW_DATE, party, lapsed, lapsed) for party in (frm, to))
    return items


def _handover_work(case: Case) -> list[WorkItem]:
    """The receiving authority's own assessment after the latest hand-over, if still owed.

    Only the latest hand-over counts: an earlier authority's assessment is moot once
    the case has moved on. A scheduled hand-over is included now and shown from its
    effective date, when the new authority becomes responsible and may assess.
    """
    handed = [(t, t.effective_at) for t in case.transfers.values() if t.effective_at is not None]
    if not handed:
        return []
    latest, effective_at = handed[-1]
    if latest.to_authority != case.periods[-1].authority:
        return []  # withdrawn before it took effect: its period was removed
    if any(
        a.authority == latest.to_authority and a.recorded_at >= effective_at
        for a in case.assessments
    ):
        return []
    start = london_date(effective_at)
    return [
        WorkItem(
            ASSESS_AFTER_HANDOVER,
            latest.to_authority,
            case.id,
            latest.transfer_id,
            latest.from_authority,
            start,
            start,
        )
    ]
