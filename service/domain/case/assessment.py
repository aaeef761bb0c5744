"""An assessment of the child's needs, as the case holds it once recorded (rule 10).

A value object: the case keeps what was assessed, by whom and when it was recorded,
not the event that recorded it, so the rules and the views read plain facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID


@dataclass(frozen=True)
class Assessment:
    """A completed assessment: the factors identified (CIN census codes), the primary
    need code and a written summary, never a bare level; ``corrects`` points at the
    assessment it corrects (rule 9: the original stays in the history)."""

    assessment_id: UUID
    authority: str
    completed_on: date
    factors: list[str]
    primary_need_code: str
    summary: str
    corrects: UUID | None
    recorded_at: datetime


def current(assessments: list[Assessment]) -> list[Assessment]:
    """Assessments not superseded by a correction, oldest first."""
    corrected = {a.corrects for a in assessments if a.corrects is not None}
    return [a for a in assessments if a.assessment_id not in corrected]
