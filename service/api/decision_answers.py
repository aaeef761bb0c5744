"""How a step of a discussion or a difference is answered: the discussion or difference
it changed (never the whole case, which a partner may not see), marked like every change
(``answers.mark_change``), and recorded as a read of the case for whoever's reads are
logged (partners included)."""

from __future__ import annotations

from uuid import UUID

from service.application import Outcome
from service.http.reads import CaseReadRecorder

from .answers import mark_change
from .deps import CaseStep
from .schemas.differences import DifferenceView
from .schemas.discussions import DiscussionView


def discussion_answer(
    step: CaseStep,
    reads: CaseReadRecorder,
    outcome: Outcome,
    discussion_id: UUID,
    *,
    location: str | None = None,
) -> DiscussionView:
    case = outcome.case
    view = DiscussionView.of(
        case, case.discussion(discussion_id), outcome.now, step.app.decision_timescales
    )
    mark_change(outcome, step.response, location=location)
    reads.record(case.id)
    return view


def difference_answer(
    step: CaseStep,
    reads: CaseReadRecorder,
    outcome: Outcome,
    difference_id: UUID,
    *,
    location: str | None = None,
) -> DifferenceView:
    case = outcome.case
    view = DifferenceView.of(
        case, case.difference(difference_id), outcome.now, step.app.decision_timescales
    )
    mark_change(outcome, step.response, location=location)
    reads.record(case.id)
    return view


def created_id(outcome: Outcome) -> UUID:
    """The id of what the step created (remembered with the request, so a retry has it)."""
    assert outcome.transfer_id is not None  # every creating step returns its new id
    return outcome.transfer_id
