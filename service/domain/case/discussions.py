"""Strategy discussions: convened, held with one outcome, minuted, acknowledged or
dissented from (rules 11 to 13).

Part of the case aggregate (``aggregate.py`` gathers the parts): the events are declared
here beside the commands that record them; the refusals are in ``decision_rules.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from ..actors import Actor
from ..text import check_text
from . import decision_rules as rules
from .discussion import (
    Agency,
    Discussion,
    DiscussionOutcome,
)
from .events import CaseEvent, recorded_by, topic
from .state import CaseState


class Discussing(CaseState):
    """The strategy discussions of a case."""

    class StrategyDiscussionConvened(CaseEvent):
        TOPIC = topic("StrategyDiscussionConvened")
        discussion_id: UUID
        authority: str
        scheduled_for: datetime
        mode: str
        chair: str
        reason: str
        invited: list[dict[str, str]]

        def apply(self, aggregate: Any) -> None:
            aggregate.discussions[self.discussion_id] = Discussion(
                self.discussion_id,
                self.authority,
                self.timestamp,
                self.scheduled_for,
                self.mode,
                self.chair,
                self.reason,
                [Agency(**agency) for agency in self.invited],
            )

    class StrategyOutcomeRecorded(CaseEvent):
        TOPIC = topic("StrategyOutcomeRecorded")
        discussion_id: UUID
        held_at: datetime
        attended: list[str]
        outcome: str
        outcome_text: str
        rationale: str
        follow_up_on: date | None

        def apply(self, aggregate: Any) -> None:
            aggregate.discussions[self.discussion_id].outcome = DiscussionOutcome(
                self.held_at,
                list(self.attended),
                self.outcome,
                self.outcome_text,
                self.rationale,
                self.follow_up_on,
                self.timestamp,
            )

    def convene_discussion(
        self,
        *,
        by: Actor,
        now: datetime,
        scheduled_for: datetime,
        mode: str,
        chair: str,
        reason: str,
        invited: Sequence[Agency],
    ) -> UUID:
        """The responsible authority convenes a strategy discussion of the case."""
        authority = self.require_responsible(by, now)
        agencies = rules.check_agencies(invited)
        discussion_id = uuid4()
        self.trigger_event(
            self.StrategyDiscussionConvened,
            timestamp=now,
            **recorded_by(by),
            discussion_id=discussion_id,
            authority=authority,
            scheduled_for=scheduled_for,
            mode=rules.check_mode(mode),
            chair=check_text(chair, "chair", max_length=200),
            reason=check_text(reason, "reason"),
            invited=[{"code": a.code, "kind": a.kind, "name": a.name} for a in agencies],
        )
        return discussion_id

    def record_outcome(
        self,
        *,
        by: Actor,
        now: datetime,
        discussion_id: UUID,
        held_at: datetime,
        attended: Sequence[str],
        outcome: str,
        rationale: str,
        outcome_text: str | None = None,
        follow_up_on: date | None = None,
    ) -> None:
        """Record what was decided at the discussion, once (rule 11)."""
        self.require_responsible(by, now)
        discussion = self.discussion(discussion_id)
        rules.require_no_outcome(discussion)
        rules.check_not_future(held_at, now, "A discussion's time held")
        known = discussion.invited_codes() | {discussion.convened_by}
        self.trigger_event(
            self.StrategyOutcomeRecorded,
            timestamp=now,
            **recorded_by(by),
            discussion_id=discussion_id,
            held_at=held_at,
            attended=rules.check_known_agencies(attended, known, "attended"),
            outcome=outcome,
            outcome_text=rules.check_outcome(outcome, outcome_text),
            rationale=check_text(rationale, "rationale"),
            follow_up_on=rules.check_follow_up(follow_up_on, now),
        )
