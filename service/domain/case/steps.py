"""The four steps a transfer needs before acceptance (rule 5), as a checklist.

Case systems and MASH staff see these flags on every transfer; the rules in
``rules.py`` enforce the same facts when the receiving authority accepts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .state import CaseState
from .transfer import Transfer


@dataclass(frozen=True)
class Steps:
    assessment_completed: bool
    information_shared: bool
    information_received: bool
    date_agreed: bool
    accepted: bool


def steps_of(case: CaseState, transfer: Transfer, now: datetime) -> Steps:
    """Which steps of ``transfer`` were done, as they stand at ``now``.

    The assessment step counts an assessment the originating authority recorded in
    the period of responsibility during which it proposed the transfer, up to the
    moment the transfer was accepted or ended.
    """
    accepted = transfer.accepted_at is not None and transfer.ended is None
    closed_at = transfer.accepted_at or transfer.ended_at or now
    period = next(
        (
            p
            for p in case.periods
            if p.authority == transfer.from_authority and p.covers(transfer.proposed_at)
        ),
        None,
    )
    assessed = period is not None and any(
        a.authority == transfer.from_authority and period.since <= a.recorded_at <= closed_at
        for a in case.current_assessments()
    )
    return Steps(
        assessment_completed=assessed,
        information_shared=transfer.information_shared,
        information_received=transfer.information_received_at is not None,
        date_agreed=transfer.date_agreed(now),
        accepted=accepted,
    )
