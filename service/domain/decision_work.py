"""The worklist's decision work: what each authority or partner agency owes on a case's
strategy discussions and professional differences (DESIGN.md, "Decisions on the record").

Like ``worklist.work_for``, a pure function of the case's state: the items carry the
agency that must act (an authority's DfE code or a partner's agency code) and the
discussion or difference they are about (in ``transfer_id``, the item's subject); the
working days are the ``DecisionTimescales``, asked when an item is shown.

- the convening authority circulates the minutes to everyone invited or attending;
- each attending agency the minutes reached acknowledges them (or dissents);
- the convening authority holds the follow-up discussion by the date the outcome set;
- the agency a difference was raised with responds at each stage;
- both sides move a difference on (escalate, resolve or close it) once its stage's
  timescale passes: that item is overdue exactly when the difference is stalled.
"""

from __future__ import annotations

from datetime import date

from .calendar import london_date
from .case import CLOSED, Case
from .case.difference import Difference
from .case.discussion import Discussion
from .decision_timescales import (
    ACKNOWLEDGE_MINUTES,
    CIRCULATE_MINUTES,
    HOLD_FOLLOW_UP,
    MOVE_DIFFERENCE_ON,
    RESPOND_TO_DIFFERENCE,
)
from .worklist import WorkItem


def decision_work_for(case: Case) -> list[WorkItem]:
    """Everything owed on the case's discussions and differences; nothing once closed."""
    if case.status == CLOSED:
        return []
    items: list[WorkItem] = []
    discussions = list(case.discussions.values())
    for discussion in discussions:
        items.extend(_discussion_work(case, discussion, discussions))
    for difference in case.differences.values():
        if difference.is_open:
            items.extend(_difference_work(case, difference))
    return items


def _discussion_work(
    case: Case, discussion: Discussion, discussions: list[Discussion]
) -> list[WorkItem]:
    outcome = discussion.outcome
    if outcome is None:
        return []
    convener = discussion.convened_by
    held = london_date(outcome.held_at)

    def item(
        kind: str, agency: str, start: date, other: str | None, due: date | None = None
    ) -> WorkItem:
        return WorkItem(kind, agency, case.id, discussion.discussion_id, other, start, start, due)

    items = []
    if not discussion.minutes_to_everyone():
        items.append(item(CIRCULATE_MINUTES, convener, held, None))
    for agency in discussion.awaiting_acknowledgement():
        reached = [c.circulated_at for c in discussion.circulations if agency in c.to]
        if reached:
            items.append(item(ACKNOWLEDGE_MINUTES, agency, london_date(min(reached)), convener))
    held_later = any(
        d.outcome is not None and d.outcome.held_at > outcome.held_at for d in discussions
    )
    if outcome.follow_up_on is not None and not held_later:
        items.append(item(HOLD_FOLLOW_UP, convener, held, None, outcome.follow_up_on))
    return items


def _difference_work(case: Case, difference: Difference) -> list[WorkItem]:
    stage = difference.stage
    reached = london_date(difference.stage_reached_at)

    def item(kind: str, agency: str, other: str) -> WorkItem:
        return WorkItem(
            kind.format(stage=stage), agency, case.id, difference.difference_id, other,
            reached, reached,
        )  # fmt: skip

    raised_by, responded_by = difference.sides()
    items = []
    if not difference.responded_at_stage():
        items.append(item(RESPOND_TO_DIFFERENCE, responded_by, raised_by))
    items.append(item(MOVE_DIFFERENCE_ON, raised_by, responded_by))
    items.append(item(MOVE_DIFFERENCE_ON, responded_by, raised_by))
    return items
