"""When the decisions on the record are due: minutes, acknowledgements, follow-up
discussions and each stage of a professional difference (DESIGN.md, rules 12 and 14).

Working days on the England and Wales calendar (``calendar.py``), counted from the
London date the clock starts (only the days after it count). The figures are a local
protocol's, so each is a setting; the defaults:

- minutes within 1 working day of the discussion (DESIGN.md, rule 12; Somerset set 24
  hours after the review);
- acknowledgement within 2 working days of the minutes reaching the agency;
- a follow-up discussion by the date its outcome set;
- a professional difference's stages 1 to 4 answered within 3, 5, 5 and 10 working days
  (a typical local Resolving Professional Differences protocol; set yours).

Pure functions of the state and ``today``: nothing reads a clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .calendar import add_working_days, london_date
from .case.difference import FINAL_STAGE, Difference
from .case.discussion import Discussion

DEFAULT_STAGE_DAYS = (3, 5, 5, 10)

# The worklist's kinds of decision work (``decision_work.py``), each counted in working
# days by one of these timescales (a follow-up is due by the date its outcome set).
CIRCULATE_MINUTES = "circulate-minutes"
ACKNOWLEDGE_MINUTES = "acknowledge-minutes"
HOLD_FOLLOW_UP = "hold-follow-up-discussion"
RESPOND_TO_DIFFERENCE = "respond-to-difference-{stage}"
MOVE_DIFFERENCE_ON = "move-difference-on-{stage}"
STAGE_KINDS = {
    kind.format(stage=stage): stage
    for kind in (RESPOND_TO_DIFFERENCE, MOVE_DIFFERENCE_ON)
    for stage in range(1, FINAL_STAGE + 1)
}
DECISION_KINDS = (CIRCULATE_MINUTES, ACKNOWLEDGE_MINUTES, HOLD_FOLLOW_UP, *STAGE_KINDS)


@dataclass(frozen=True)
class DecisionTimescales:
    """Working days allowed for each decision step."""

    minutes: int = 1
    acknowledgement: int = 2
    stages: tuple[int, ...] = DEFAULT_STAGE_DAYS

    def __post_init__(self) -> None:
        if len(self.stages) != FINAL_STAGE:
            raise ValueError(f"give {FINAL_STAGE} stage timescales, one per stage")
        for days in (self.minutes, self.acknowledgement, *self.stages):
            if isinstance(days, bool) or not isinstance(days, int) or days < 0:
                raise ValueError(f"timescales are whole numbers of days, 0 or more: {days!r}")

    def days_for(self, kind: str) -> int | None:
        """The working days allowed for a kind of decision work; None for another kind
        (or a follow-up, due by its own date)."""
        if kind == CIRCULATE_MINUTES:
            return self.minutes
        if kind == ACKNOWLEDGE_MINUTES:
            return self.acknowledgement
        if kind in STAGE_KINDS:
            return self.stages[STAGE_KINDS[kind] - 1]
        return None

    def minutes_due_on(self, discussion: Discussion) -> date | None:
        """Minutes are due a working day after the discussion was held."""
        if discussion.outcome is None:
            return None
        return add_working_days(london_date(discussion.outcome.held_at), self.minutes)

    def minutes_overdue(self, discussion: Discussion, today: date) -> bool:
        due = self.minutes_due_on(discussion)
        return due is not None and not discussion.minutes_to_everyone() and today > due

    def acknowledgement_due_on(self, discussion: Discussion, agency: str) -> date | None:
        """Due two working days after the minutes first reached ``agency``."""
        reached = [c.circulated_at for c in discussion.circulations if agency in c.to]
        if not reached:
            return None
        return add_working_days(london_date(min(reached)), self.acknowledgement)

    def stage_due_on(self, difference: Difference) -> date:
        """The current stage is answered within its working days of being reached."""
        days = self.stages[difference.stage - 1]
        return add_working_days(london_date(difference.stage_reached_at), days)

    def stage_overdue(self, difference: Difference, today: date) -> bool:
        """No response at this stage by its due date."""
        return (
            difference.is_open
            and not difference.responded_at_stage()
            and today > self.stage_due_on(difference)
        )

    def stalled(self, difference: Difference, today: date) -> bool:
        """Still at a stage past its timescale, answered or not (the review's stage two)."""
        return difference.is_open and today > self.stage_due_on(difference)


def follow_up_overdue(discussion: Discussion, later: list[Discussion], today: date) -> bool:
    """A follow-up date set and passed with no later discussion held."""
    outcome = discussion.outcome
    if outcome is None or outcome.follow_up_on is None or today <= outcome.follow_up_on:
        return False
    return not any(d.outcome is not None and d.outcome.held_at > outcome.held_at for d in later)
