"""Minutes of a strategy discussion: circulated, acknowledged, or dissented from, and a
dissent withdrawn (rule 12).

Part of the case aggregate (``aggregate.py`` gathers the parts), beside the discussions
themselves (``discussions.py``); the refusals are in ``decision_rules.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from ..access import acting_agency
from ..actors import Actor
from ..text import check_text
from . import decision_rules as rules
from .discussion import (
    OUTCOMES,
    Acknowledgement,
    Circulation,
    Discussion,
    Dissent,
)
from .events import CaseEvent, recorded_by, topic
from .state import CaseState


class Minuting(CaseState):
    """What the agencies that attended a strategy discussion say of its minutes."""

    class MinutesCirculated(CaseEvent):
        TOPIC = topic("MinutesCirculated")
        discussion_id: UUID
        to: list[str]
        circulated_at: datetime

        def apply(self, aggregate: Any) -> None:
            aggregate.discussions[self.discussion_id].circulations.append(
                Circulation(list(self.to), self.circulated_at, self.timestamp)
            )

    class MinutesAcknowledged(CaseEvent):
        TOPIC = topic("MinutesAcknowledged")
        discussion_id: UUID
        agency: str
        recorded_for: str
        obtained_how: str

        def apply(self, aggregate: Any) -> None:
            discussion: Discussion = aggregate.discussions[self.discussion_id]
            discussion.acknowledgements[self.agency] = Acknowledgement(
                self.agency, self.recorded_for, self.obtained_how, self.timestamp
            )

    class DissentRecorded(CaseEvent):
        TOPIC = topic("DissentRecorded")
        discussion_id: UUID
        dissent_id: UUID
        agency: str
        account: str
        understood_outcome: str | None
        recorded_for: str
        obtained_how: str

        def apply(self, aggregate: Any) -> None:
            discussion: Discussion = aggregate.discussions[self.discussion_id]
            discussion.dissents[self.dissent_id] = Dissent(
                self.dissent_id,
                self.agency,
                self.account,
                self.understood_outcome,
                self.recorded_for,
                self.obtained_how,
                self.timestamp,
            )
            discussion.acknowledgements.pop(self.agency, None)

    class DissentWithdrawn(CaseEvent):
        TOPIC = topic("DissentWithdrawn")
        discussion_id: UUID
        dissent_id: UUID
        obtained_how: str

        def apply(self, aggregate: Any) -> None:
            discussion: Discussion = aggregate.discussions[self.discussion_id]
            discussion.dissents[self.dissent_id].withdrawn_at = self.timestamp

    def circulate_minutes(
        self,
        *,
        by: Actor,
        now: datetime,
        discussion_id: UUID,
        to: Sequence[str],
        circulated_at: datetime,
    ) -> None:
        """Record that the minutes went to these agencies (rule 12)."""
        self.require_responsible(by, now)
        discussion = self.discussion(discussion_id)
        rules.require_outcome(discussion)
        rules.check_not_future(circulated_at, now, "Minutes' circulation")
        known = discussion.minutes_due_to()
        self.trigger_event(
            self.MinutesCirculated,
            timestamp=now,
            **recorded_by(by),
            discussion_id=discussion_id,
            to=rules.check_known_agencies(to, known, "to"),
            circulated_at=circulated_at,
        )

    def acknowledge_minutes(
        self,
        *,
        by: Actor,
        now: datetime,
        discussion_id: UUID,
        agency: str | None = None,
        obtained_how: str | None = None,
    ) -> None:
        """An attending agency acknowledges the minutes, or the convening authority
        records it on its behalf, saying how it was obtained."""
        discussion, agency, how = self._agency_step(by, now, discussion_id, agency, obtained_how)
        rules.require_minutes_sent_to(discussion, agency)
        rules.require_not_acknowledged(discussion, agency)
        self.trigger_event(
            self.MinutesAcknowledged,
            timestamp=now,
            **recorded_by(by),
            discussion_id=discussion_id,
            agency=agency,
            recorded_for=acting_agency(by),
            obtained_how=how,
        )

    def record_dissent(
        self,
        *,
        by: Actor,
        now: datetime,
        discussion_id: UUID,
        account: str,
        understood_outcome: str | None = None,
        agency: str | None = None,
        obtained_how: str | None = None,
    ) -> UUID:
        """An attending agency records its own account of the outcome (rule 12)."""
        _, agency, how = self._agency_step(by, now, discussion_id, agency, obtained_how)
        if understood_outcome is not None:
            rules.check_choice(understood_outcome, OUTCOMES, "understood_outcome")
        dissent_id = uuid4()
        self.trigger_event(
            self.DissentRecorded,
            timestamp=now,
            **recorded_by(by),
            discussion_id=discussion_id,
            dissent_id=dissent_id,
            agency=agency,
            account=check_text(account, "account"),
            understood_outcome=understood_outcome,
            recorded_for=acting_agency(by),
            obtained_how=how,
        )
        return dissent_id

    def withdraw_dissent(
        self,
        *,
        by: Actor,
        now: datetime,
        discussion_id: UUID,
        dissent_id: UUID,
        obtained_how: str | None = None,
    ) -> None:
        """Only the agency that made a dissent withdraws it (rule 12)."""
        speaking_for = acting_agency(by)
        self.require_open()
        discussion = self.discussion(discussion_id)
        dissent = rules.dissent_of(discussion, dissent_id)
        rules.require_may_withdraw(dissent, speaking_for, discussion.convened_by)
        on_behalf = speaking_for != dissent.agency
        self.trigger_event(
            self.DissentWithdrawn,
            timestamp=now,
            **recorded_by(by),
            discussion_id=discussion_id,
            dissent_id=dissent_id,
            obtained_how=rules.check_obtained_how(on_behalf, obtained_how),
        )

    def _agency_step(
        self,
        by: Actor,
        now: datetime,
        discussion_id: UUID,
        agency: str | None,
        obtained_how: str | None,
    ) -> tuple[Discussion, str, str]:
        """The discussion, the agency an acknowledgement or dissent is for, and how it
        was obtained (empty when the agency records it itself)."""
        speaking_for = acting_agency(by)
        self.require_open()
        discussion = self.discussion(discussion_id)
        rules.require_outcome(discussion)
        agency = agency or speaking_for
        on_behalf = rules.require_speaks_for(speaking_for, agency, discussion.convened_by)
        rules.require_attended(discussion, agency)
        return discussion, agency, rules.check_obtained_how(on_behalf, obtained_how)
