"""Recording the responsible authority's assessment of the child's needs (rules 5 and 10).

Part of the case aggregate (``aggregate.py`` gathers the parts).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from ..actors import Actor
from ..calendar import london_date
from ..reference import check_assessment_factors, check_primary_need
from ..text import check_text
from . import date_rules, rules
from .assessment import Assessment
from .events import CaseEvent, recorded_by, topic
from .state import CaseState


class Assessing(CaseState):
    """Assessments, described by the CIN census vocabulary, and their corrections."""

    class AssessmentCompleted(CaseEvent):
        TOPIC = topic("AssessmentCompleted")
        assessment_id: UUID
        authority: str
        completed_on: date
        factors: list[str]
        primary_need_code: str
        summary: str
        corrects: UUID | None

        def apply(self, aggregate: Any) -> None:
            aggregate.assessments.append(
                Assessment(
                    self.assessment_id,
                    self.authority,
                    self.completed_on,
                    list(self.factors),
                    self.primary_need_code,
                    self.summary,
                    self.corrects,
                    self.timestamp,
                )
            )

    def record_assessment(
        self,
        *,
        by: Actor,
        now: datetime,
        completed_on: date,
        factors: list[str],
        primary_need_code: str,
        summary: str,
        corrects: UUID | None = None,
    ) -> UUID:
        """Record the responsible authority's completed assessment (rule 10: described)."""
        authority = self.require_responsible(by, now)
        checked_factors = list(check_assessment_factors(factors))
        need = check_primary_need(primary_need_code)
        summary = check_text(summary, "summary")
        date_rules.check_not_future(
            completed_on, london_date(now), "An assessment cannot be completed in the future."
        )
        born, expected = self.date_of_birth, self.expected_date_of_birth
        date_rules.check_assessment_date(completed_on, born, expected)
        period = self.current_period(now)
        rules.require_assessment_in_period(
            self.period_began_by_transfer(period), period.since, completed_on
        )
        if corrects is not None:
            rules.check_correctable(self.assessments, corrects, authority)
        assessment_id = uuid4()
        self.trigger_event(
            self.AssessmentCompleted,
            timestamp=now,
            **recorded_by(by),
            assessment_id=assessment_id,
            authority=authority,
            completed_on=completed_on,
            factors=checked_factors,
            primary_need_code=need,
            summary=summary,
            corrects=corrects,
        )
        return assessment_id
