"""What a case's events have built, and the questions the rules ask of it.

Kept apart from the commands in ``case.py`` so that each module stays readable; the
state changes only through the case's events.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from .errors import NotFound
from .responsibility import Period, Responsibility, responsibility_at
from .transfer import Transfer

if TYPE_CHECKING:
    from .case import Case


class CaseState:
    """The state of a case, with the queries the rules and the views need."""

    status: str
    nhs_number: str | None
    date_of_birth: date | None
    expected_date_of_birth: date | None
    closure_reason: str | None
    local_references: dict[str, str]
    periods: list[Period]
    assessments: list[Case.AssessmentCompleted]
    transfers: dict[UUID, Transfer]

    def __init__(self) -> None:
        self.closure_reason = None
        self.local_references = {}
        self.periods = []
        self.assessments = []
        self.transfers = {}

    def responsibility_at(self, instant: datetime) -> Responsibility:
        """Who is responsible at ``instant`` as this state knows it (rules 1 and 2)."""
        return responsibility_at(self.periods, instant)

    def responsible_authority(self, now: datetime) -> str | None:
        return self.responsibility_at(now).authority

    def current_period(self, now: datetime) -> Period:
        """The period covering ``now``; only called while the case is open."""
        for period in self.periods:
            if period.covers(now):
                return period
        raise LookupError("no period covers this instant")  # pragma: no cover - rule 1

    def transfer(self, transfer_id: UUID) -> Transfer:
        try:
            return self.transfers[transfer_id]
        except KeyError:
            raise NotFound("No such transfer on this case.", code="transfer-not-found") from None

    def active_transfer(self, now: datetime) -> Transfer | None:
        """The one transfer in progress at ``now`` (rule 4), if any."""
        for transfer in self.transfers.values():
            if transfer.in_progress(now):
                return transfer
        return None

    def parties(self) -> set[str]:
        """Authorities that are or were responsible, or are the other side of a transfer."""
        found = {period.authority for period in self.periods}
        for transfer in self.transfers.values():
            found.update((transfer.from_authority, transfer.to_authority))
        return found

    def current_assessments(self) -> list[Case.AssessmentCompleted]:
        """Assessments not superseded by a correction, oldest first."""
        corrected = {a.corrects for a in self.assessments if a.corrects is not None}
        return [a for a in self.assessments if a.assessment_id not in corrected]

    def assessed_in_current_period(self, authority: str, now: datetime) -> bool:
        """Rule 5: an assessment by ``authority`` recorded during its current period."""
        period = self.current_period(now)
        return period.authority == authority and any(
            a.authority == authority and a.timestamp >= period.since
            for a in self.current_assessments()
        )
