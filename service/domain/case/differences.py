"""Professional differences: raised, responded to, moved up a stage, resolved with an
outcome statement both sides acknowledge, or closed unresolved (rule 14).

Part of the case aggregate (``aggregate.py`` gathers the parts). Neutral words: the
agency that raised it and the agency that responds. A resolution settles the dissents
of either side on the discussion it is about (rule 12: disputed until withdrawn or
settled through a professional difference).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from ..access import acting_agency
from ..actors import AUTHORITY, Actor
from ..text import check_text
from . import decision_rules as rules
from .difference import CLOSED_UNRESOLVED, RESOLVED, Difference, DifferenceResponse, StageRecord
from .events import CaseEvent, recorded_by, topic
from .state import CaseState

HOLDER_MAX = 200


class Differing(CaseState):
    """The professional differences of a case."""

    class ProfessionalDifferenceRaised(CaseEvent):
        TOPIC = topic("ProfessionalDifferenceRaised")
        difference_id: UUID
        raised_by: str
        responded_by: str
        about: str
        discussion_id: UUID | None
        disputed: str
        outcome_sought: str
        held_by: str

        def apply(self, aggregate: Any) -> None:
            difference = Difference(
                self.difference_id,
                self.raised_by,
                self.responded_by,
                self.about,
                self.discussion_id,
                self.disputed,
                self.outcome_sought,
                self.timestamp,
            )
            difference.stages.append(StageRecord(1, self.held_by, self.timestamp, self.raised_by))
            aggregate.differences[self.difference_id] = difference

    class DifferenceResponded(CaseEvent):
        TOPIC = topic("DifferenceResponded")
        difference_id: UUID
        agency: str
        stage: int
        response: str

        def apply(self, aggregate: Any) -> None:
            aggregate.differences[self.difference_id].responses.append(
                DifferenceResponse(self.stage, self.agency, self.response, self.timestamp)
            )

    class DifferenceEscalated(CaseEvent):
        TOPIC = topic("DifferenceEscalated")
        difference_id: UUID
        agency: str
        stage: int
        held_by: str
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.differences[self.difference_id].stages.append(
                StageRecord(self.stage, self.held_by, self.timestamp, self.agency)
            )

    class DifferenceResolutionRecorded(CaseEvent):
        """One side's outcome statement; the difference is resolved once both sides have
        recorded the same statement."""

        TOPIC = topic("DifferenceResolutionRecorded")
        difference_id: UUID
        agency: str
        outcome_statement: str

        def apply(self, aggregate: Any) -> None:
            difference: Difference = aggregate.differences[self.difference_id]
            if difference.outcome_statement != self.outcome_statement:
                difference.outcome_statement = self.outcome_statement
                difference.acknowledged_by = set()
            difference.acknowledged_by.add(self.agency)
            if difference.acknowledged_by >= set(difference.sides()):
                difference.status = RESOLVED
                difference.ended_at = self.timestamp
                _settle_dissents(aggregate, difference)

    class DifferenceClosedUnresolved(CaseEvent):
        TOPIC = topic("DifferenceClosedUnresolved")
        difference_id: UUID
        agency: str
        reason: str

        def apply(self, aggregate: Any) -> None:
            difference: Difference = aggregate.differences[self.difference_id]
            difference.status = CLOSED_UNRESOLVED
            difference.ended_at = self.timestamp
            difference.closure_reason = self.reason

    def raise_difference(
        self,
        *,
        by: Actor,
        now: datetime,
        responded_by: str,
        about: str,
        disputed: str,
        outcome_sought: str,
        held_by: str,
        discussion_id: UUID | None = None,
    ) -> UUID:
        """A party authority or a taking-part partner raises a difference at stage 1."""
        raised_by = acting_agency(by)
        self.require_open()
        taking_part = self.parties() | self.invited_agencies()
        if by.role != AUTHORITY:
            taking_part = self.invited_agencies()
        rules.require_taking_part(
            raised_by, taking_part, "Only a party authority or an invited agency raises one."
        )
        rules.require_two_sides(raised_by, responded_by)
        rules.require_taking_part(
            responded_by,
            self.parties() | self.invited_agencies(),
            "A difference is raised with a party authority or an agency invited to one of "
            "the case's discussions.",
        )
        if discussion_id is not None:
            self.discussion(discussion_id)
        difference_id = uuid4()
        self.trigger_event(
            self.ProfessionalDifferenceRaised,
            timestamp=now,
            **recorded_by(by),
            difference_id=difference_id,
            raised_by=raised_by,
            responded_by=responded_by,
            about=check_text(about, "about"),
            discussion_id=discussion_id,
            disputed=check_text(disputed, "disputed"),
            outcome_sought=check_text(outcome_sought, "outcome_sought"),
            held_by=check_text(held_by, "held_by", max_length=HOLDER_MAX),
        )
        return difference_id

    def respond_to_difference(
        self, *, by: Actor, now: datetime, difference_id: UUID, response: str
    ) -> None:
        """The agency the difference was raised with responds at the current stage."""
        difference, agency = self._open_difference(by, difference_id)
        rules.require_responding_side(difference, agency)
        self.trigger_event(
            self.DifferenceResponded,
            timestamp=now,
            **recorded_by(by),
            difference_id=difference_id,
            agency=agency,
            stage=difference.stage,
            response=check_text(response, "response"),
        )

    def escalate_difference(
        self, *, by: Actor, now: datetime, difference_id: UUID, held_by: str, reason: str
    ) -> int:
        """Either side moves it to the next stage, naming who holds it there."""
        difference, agency = self._open_difference(by, difference_id)
        rules.require_below_final_stage(difference)
        stage = difference.stage + 1
        self.trigger_event(
            self.DifferenceEscalated,
            timestamp=now,
            **recorded_by(by),
            difference_id=difference_id,
            agency=agency,
            stage=stage,
            held_by=check_text(held_by, "held_by", max_length=HOLDER_MAX),
            reason=check_text(reason, "reason"),
        )
        return stage

    def resolve_difference(
        self, *, by: Actor, now: datetime, difference_id: UUID, outcome_statement: str
    ) -> None:
        """A side records the outcome statement; the same statement from the other side
        resolves it (both acknowledge)."""
        _, agency = self._open_difference(by, difference_id)
        self.trigger_event(
            self.DifferenceResolutionRecorded,
            timestamp=now,
            **recorded_by(by),
            difference_id=difference_id,
            agency=agency,
            outcome_statement=check_text(outcome_statement, "outcome_statement"),
        )

    def close_difference_unresolved(
        self, *, by: Actor, now: datetime, difference_id: UUID, reason: str
    ) -> None:
        """Either side closes it unresolved, with the reason; dissents stay open."""
        _, agency = self._open_difference(by, difference_id)
        self.trigger_event(
            self.DifferenceClosedUnresolved,
            timestamp=now,
            **recorded_by(by),
            difference_id=difference_id,
            agency=agency,
            reason=check_text(reason, "reason"),
        )

    def _open_difference(self, by: Actor, difference_id: UUID) -> tuple[Difference, str]:
        agency = acting_agency(by)
        self.require_open()
        difference = self.difference(difference_id)
        rules.require_side(difference, agency)
        rules.require_open_difference(difference)
        return difference, agency


def _settle_dissents(case: CaseState, difference: Difference) -> None:
    """A resolution settles the open dissents of either side on the discussion it is about."""
    if difference.discussion_id is None:
        return
    discussion = case.discussions[difference.discussion_id]
    for dissent in discussion.open_dissents():
        if dissent.agency in difference.sides():
            dissent.settled_by = difference.difference_id
