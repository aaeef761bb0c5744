"""Rule 15 at hand-over: no hidden disagreement.

No transfer is proposed while a strategy discussion on the case has no outcome, and
the receiving authority's acceptance names each disputed outcome and each open
professional difference. The names go on the record (``OpenMattersNamed``, saved with
the acceptance): because discussions and differences are part of the case aggregate, a
dissent saved while an acceptance is in flight moves the case's version, so the
acceptance's save fails, is re-checked, and is refused unless it names the new matter.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from ..actors import Actor
from . import decision_rules
from .events import CaseEvent, recorded_by, topic
from .state import CaseState


class NamingOpenMatters(CaseState):
    """What a transfer needs of the case's decisions (rule 15)."""

    class OpenMattersNamed(CaseEvent):
        TOPIC = topic("OpenMattersNamed")
        transfer_id: UUID
        discussions: list[UUID]
        differences: list[UUID]

        def apply(self, aggregate: Any) -> None:
            """Naming changes nothing: it is what the receiving authority saw."""

    def require_no_pending_outcome(self) -> None:
        decision_rules.require_no_pending_outcome(self.discussions.values())

    def name_open_matters(
        self, by: Actor, now: datetime, transfer_id: UUID, named: Iterable[UUID]
    ) -> None:
        """Refuse unless ``named`` names every open matter; record what it named."""
        disputed, open_differences = self.open_matters()
        decision_rules.require_open_matters_named(disputed, open_differences, named)
        if disputed or open_differences:
            self.trigger_event(
                self.OpenMattersNamed,
                timestamp=now,
                **recorded_by(by),
                transfer_id=transfer_id,
                discussions=disputed,
                differences=open_differences,
            )
