"""A strategy discussion, as the case's events have built it (rules 11 to 13).

Value objects only: the discussion's events and commands are in ``discussions.py``.
A discussion is part of the case aggregate, not an aggregate of its own, so that a
dissent and an acceptance of a transfer (rule 15) are saved against the same version
of the same case: one of them always sees the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

MODES = ("meeting", "call", "virtual")

AGENCY_KINDS = (
    "police",
    "gp",
    "hospital",
    "health-visiting",
    "school",
    "social-care",
    "probation",
    "other",
)

OUTCOMES = (
    "section-47-enquiry",
    "initial-child-protection-conference",
    "continue-section-17-assessment",
    "another-agency-to-monitor",
    "legal-action",
    "no-further-action",
    "other",
)
"""Rule 11's closed list; ``other`` needs its own text."""

HEALTH_KINDS = frozenset({"hospital", "health-visiting", "gp"})

EXPECTED = ("social-care", "police", "health", "gp")
"""Who Working Together 2023 expects at a strategy discussion (rule 13): children's
social care, police and health, and (the review's finding) the child's GP."""


@dataclass(frozen=True)
class Agency:
    """An agency invited to a discussion: a partner principal's agency code, or a code
    the convening authority gives an agency without a principal (most GP practices)."""

    code: str
    kind: str
    name: str


@dataclass(frozen=True)
class DiscussionOutcome:
    """What was decided at the discussion, recorded once (rule 11: never edited)."""

    held_at: datetime
    attended: list[str]
    outcome: str
    outcome_text: str
    rationale: str
    follow_up_on: date | None
    recorded_at: datetime


@dataclass(frozen=True)
class Circulation:
    """Minutes sent to some agencies at one instant (rule 12)."""

    to: list[str]
    circulated_at: datetime
    recorded_at: datetime


@dataclass(frozen=True)
class Acknowledgement:
    """An attending agency's acknowledgement of the minutes; ``obtained_how`` when the
    convening authority records it on the agency's behalf."""

    agency: str
    recorded_by: str
    obtained_how: str
    recorded_at: datetime


@dataclass
class Dissent:
    """An agency's own account of the outcome; it never replaces the outcome (rule 12)."""

    dissent_id: UUID
    agency: str
    account: str
    understood_outcome: str | None
    recorded_by: str
    obtained_how: str
    recorded_at: datetime
    withdrawn_at: datetime | None = None
    settled_by: UUID | None = None

    @property
    def open(self) -> bool:
        return self.withdrawn_at is None and self.settled_by is None


@dataclass
class Discussion:
    """One strategy discussion: convened, then held (its outcome), minuted, acknowledged."""

    discussion_id: UUID
    convened_by: str
    convened_at: datetime
    scheduled_for: datetime
    mode: str
    chair: str
    reason: str
    invited: list[Agency]
    outcome: DiscussionOutcome | None = None
    circulations: list[Circulation] = field(default_factory=list)
    acknowledgements: dict[str, Acknowledgement] = field(default_factory=dict)
    dissents: dict[UUID, Dissent] = field(default_factory=dict)

    def invited_codes(self) -> set[str]:
        return {agency.code for agency in self.invited}

    def attending(self) -> list[str]:
        """Agencies that attended, the convening authority aside (it wrote the minutes)."""
        if self.outcome is None:
            return []
        return [code for code in self.outcome.attended if code != self.convened_by]

    def minutes_due_to(self) -> set[str]:
        """Every agency invited or attending, the convening authority aside (rule 12)."""
        return (self.invited_codes() | set(self.attending())) - {self.convened_by}

    def circulated_to(self) -> set[str]:
        return {code for circulation in self.circulations for code in circulation.to}

    def minutes_to_everyone(self) -> bool:
        return bool(self.circulations) and self.minutes_due_to() <= self.circulated_to()

    def open_dissents(self) -> list[Dissent]:
        return [dissent for dissent in self.dissents.values() if dissent.open]

    def awaiting_acknowledgement(self) -> list[str]:
        """Attending agencies that have neither acknowledged nor dissented (an open
        dissent is their answer)."""
        dissenting = {d.agency for d in self.open_dissents()}
        return [
            agency
            for agency in self.attending()
            if agency not in self.acknowledgements and agency not in dissenting
        ]

    @property
    def disputed(self) -> bool:
        """Rule 12: disputed until every dissent is withdrawn or settled."""
        return bool(self.open_dissents())

    def missing_agencies(self) -> list[str]:
        """Which of ``EXPECTED`` were not invited (rule 13: a warning, not a refusal).

        The convening authority is children's social care."""
        kinds = {agency.kind for agency in self.invited} | {"social-care"}
        present = {
            "social-care": "social-care" in kinds,
            "police": "police" in kinds,
            "health": bool(kinds & HEALTH_KINDS),
            "gp": "gp" in kinds,
        }
        return [kind for kind in EXPECTED if not present[kind]]
