"""What the case page says about the decisions on the record: each strategy discussion
(its outcome, disputed or not, the minutes and acknowledgements as a checklist, who
Working Together expects and was not invited) and each professional difference (its
stage, who holds it, when it is due, overdue or stalled). Plain Python the tests read;
the template (``_decisions.html``) only lays it out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from service.application.decisions import Decisions
from service.domain.calendar import london_date
from service.domain.case.difference import STAGES, Difference
from service.domain.case.discussion import Discussion
from service.domain.decision_timescales import DecisionTimescales
from service.domain.reference import authorities

from . import words

OUTCOME_WORDS = {
    "section-47-enquiry": "Section 47 enquiry",
    "initial-child-protection-conference": "Initial child protection conference",
    "continue-section-17-assessment": "Continue assessment under section 17",
    "another-agency-to-monitor": "Another agency to monitor",
    "legal-action": "Legal action",
    "no-further-action": "No further action",
    "other": "Other",
}
EXPECTED_WORDS = {
    "social-care": "children's social care",
    "police": "police",
    "health": "health",
    "gp": "the child's GP",
}


@dataclass(frozen=True)
class ChecklistItem:
    """One agency's minutes: sent, then acknowledged, dissented or awaited."""

    agency: str
    status: str  # "Acknowledged", "Dissented", "Awaited", "Not sent", "Sent"
    done: bool
    detail: str


@dataclass(frozen=True)
class DiscussionPanel:
    discussion_id: str
    heading: str
    outcome: str | None
    rationale: str | None
    disputed: bool
    missing: str | None
    minutes_to_everyone: bool
    minutes_detail: str
    checklist: tuple[ChecklistItem, ...]
    dissents: tuple[str, ...]


@dataclass(frozen=True)
class DifferencePanel:
    difference_id: str
    heading: str
    status: str
    stage: str
    held_by: str
    due: str | None
    overdue: bool
    stalled: bool
    about: str


def decision_panels(
    seen: Decisions, timescales: DecisionTimescales
) -> tuple[tuple[DiscussionPanel, ...], tuple[DifferencePanel, ...]]:
    """The case's discussions and differences, oldest first, as the page shows them."""
    today = london_date(seen.now)
    names = _names(seen)
    return (
        tuple(_discussion(d, names, today, timescales) for d in seen.discussions),
        tuple(_difference(d, names, today, timescales) for d in seen.differences),
    )


def _names(seen: Decisions) -> dict[str, str]:
    """Every agency code the case's decisions name, with the name to show."""
    known = {code: words.authority_label(code) for code in authorities()}
    for discussion in seen.discussions:
        known.update({a.code: a.name for a in discussion.invited})
    return known


def _discussion(
    discussion: Discussion, names: dict[str, str], today: date, timescales: DecisionTimescales
) -> DiscussionPanel:
    outcome = discussion.outcome
    missing = discussion.missing_agencies()
    due = timescales.minutes_due_on(discussion)
    if discussion.minutes_to_everyone():
        minutes = "Minutes sent to every agency invited or attending"
    elif due is not None:
        minutes = f"Minutes due to every agency by {words.day(due)}"
        if timescales.minutes_overdue(discussion, today):
            minutes += " (overdue)"
    else:
        minutes = "Minutes follow the discussion"
    return DiscussionPanel(
        discussion_id=str(discussion.discussion_id),
        heading=f"Strategy discussion convened {words.when(discussion.convened_at)}",
        outcome=_outcome_words(discussion),
        rationale=outcome.rationale if outcome else None,
        disputed=discussion.disputed,
        missing=(
            "Not invited: " + ", ".join(EXPECTED_WORDS[kind] for kind in missing)
            if missing
            else None
        ),
        minutes_to_everyone=discussion.minutes_to_everyone(),
        minutes_detail=minutes,
        checklist=tuple(_checklist(discussion, names, today, timescales)),
        dissents=tuple(
            f"{names.get(d.agency, d.agency)}: {d.account}" for d in discussion.open_dissents()
        ),
    )


def _outcome_words(discussion: Discussion) -> str | None:
    outcome = discussion.outcome
    if outcome is None:
        return None
    said = OUTCOME_WORDS[outcome.outcome]
    if outcome.outcome_text:
        said += f": {outcome.outcome_text}"
    return f"{said} (decided at the discussion held {words.when(outcome.held_at)})"


def _checklist(
    discussion: Discussion, names: dict[str, str], today: date, timescales: DecisionTimescales
) -> list[ChecklistItem]:
    sent = discussion.circulated_to()
    attending = set(discussion.attending())
    dissenting = {d.agency for d in discussion.open_dissents()}
    items = []
    for agency in sorted(discussion.minutes_due_to()):
        name = names.get(agency, agency)
        if agency not in sent:
            items.append(ChecklistItem(name, "Not sent", False, "Minutes not sent"))
        elif agency in discussion.acknowledgements:
            items.append(ChecklistItem(name, "Acknowledged", True, "Minutes acknowledged"))
        elif agency in dissenting:
            items.append(ChecklistItem(name, "Dissented", True, "Disagrees with the outcome"))
        elif agency in attending:
            due = timescales.acknowledgement_due_on(discussion, agency)
            late = due is not None and today > due
            detail = f"Acknowledgement due by {words.day(due)}" if due else "Awaited"
            items.append(ChecklistItem(name, "Overdue" if late else "Awaited", False, detail))
        else:
            items.append(ChecklistItem(name, "Sent", True, "Minutes sent; did not attend"))
    return items


def _difference(
    difference: Difference, names: dict[str, str], today: date, timescales: DecisionTimescales
) -> DifferencePanel:
    raised_by = names.get(difference.raised_by, difference.raised_by)
    responded_by = names.get(difference.responded_by, difference.responded_by)
    due = timescales.stage_due_on(difference) if difference.is_open else None
    return DifferencePanel(
        difference_id=str(difference.difference_id),
        heading=f"Raised by {raised_by}; responded by {responded_by}",
        status={"open": "Open", "resolved": "Resolved", "closed-unresolved": "Closed unresolved"}[
            difference.status
        ],
        stage=f"Stage {difference.stage}: {STAGES[difference.stage]}",
        held_by=difference.stages[-1].held_by,
        due=words.day(due) if due else None,
        overdue=timescales.stage_overdue(difference, today),
        stalled=timescales.stalled(difference, today),
        about=difference.about,
    )
