"""A professional difference, as the case's events have built it (rule 14).

Value objects only: the events and commands are in ``differences.py``. The words are
the review's: the agency that raised it ("raised by") and the agency that responds
("responded by"), never "challenger" and "challenged".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

STAGES = {
    1: "practitioners",
    2: "managers",
    3: "senior managers",
    4: "safeguarding partnership",
}
FINAL_STAGE = max(STAGES)

OPEN = "open"
RESOLVED = "resolved"
CLOSED_UNRESOLVED = "closed-unresolved"


@dataclass(frozen=True)
class StageRecord:
    """A stage reached: when, who holds it there, and who moved it there."""

    stage: int
    held_by: str
    reached_at: datetime
    moved_by: str


@dataclass(frozen=True)
class DifferenceResponse:
    """The responding agency's answer at a stage."""

    stage: int
    agency: str
    response: str
    recorded_at: datetime


@dataclass
class Difference:
    """One professional difference between two agencies about a decision on the case."""

    difference_id: UUID
    raised_by: str
    responded_by: str
    about: str
    discussion_id: UUID | None
    disputed: str
    outcome_sought: str
    raised_at: datetime
    stages: list[StageRecord] = field(default_factory=list)
    responses: list[DifferenceResponse] = field(default_factory=list)
    status: str = OPEN
    outcome_statement: str | None = None
    acknowledged_by: set[str] = field(default_factory=set)
    ended_at: datetime | None = None
    closure_reason: str | None = None

    @property
    def stage(self) -> int:
        return self.stages[-1].stage

    @property
    def stage_reached_at(self) -> datetime:
        return self.stages[-1].reached_at

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    def sides(self) -> tuple[str, str]:
        return (self.raised_by, self.responded_by)

    def responded_at_stage(self) -> bool:
        return any(response.stage == self.stage for response in self.responses)
