"""What a case's events have built, and the questions the rules and the views ask of it.

The state changes only through the case's events (their ``apply`` methods); the
commands (``opening.py``, ``assessing.py``, ``transferring.py``) read it through
these queries and the rules in ``rules.py``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ..access import acting_authority
from ..actors import Actor
from . import decision_rules, rules
from .assessment import Assessment, current
from .difference import Difference
from .discussion import Discussion
from .responsibility import Period, Responsibility, responsibility_at
from .transfer import Transfer

OPEN = "open"
CLOSED = "closed"


class CaseState:
    """The state of a case, with the queries the rules and the views need."""

    status: str
    nhs_number: str | None
    date_of_birth: date | None
    expected_date_of_birth: date | None
    closure_reason: str | None
    local_references: dict[str, str]
    periods: list[Period]
    assessments: list[Assessment]
    transfers: dict[UUID, Transfer]
    discussions: dict[UUID, Discussion]
    differences: dict[UUID, Difference]

    if TYPE_CHECKING:  # provided by eventsourcing's Aggregate, which ``Case`` also is

        @property
        def id(self) -> UUID: ...

        version: int
        created_on: datetime
        modified_on: datetime

        def trigger_event(self, event_class: Any, **kwargs: Any) -> None: ...

    def __init__(self) -> None:
        self.closure_reason = None
        self.local_references = {}
        self.periods = []
        self.assessments = []
        self.transfers = {}
        self.discussions = {}
        self.differences = {}

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

    def period_began_by_transfer(self, period: Period) -> bool:
        return period is not self.periods[0]

    def transfer(self, transfer_id: UUID) -> Transfer:
        """The transfer with this id; NotFound if the case has none."""
        return rules.transfer_of(self.transfers, transfer_id)

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

    def discussion(self, discussion_id: UUID) -> Discussion:
        """The strategy discussion with this id; NotFound if the case has none."""
        return decision_rules.discussion_of(self.discussions, discussion_id)

    def difference(self, difference_id: UUID) -> Difference:
        """The professional difference with this id; NotFound if the case has none."""
        return decision_rules.difference_of(self.differences, difference_id)

    def invited_agencies(self) -> set[str]:
        """Every agency invited to one of the case's strategy discussions."""
        return {code for d in self.discussions.values() for code in d.invited_codes()}

    def agencies_taking_part(self) -> set[str]:
        """Every agency invited to one of the case's discussions or a side of one of its
        differences (DESIGN.md): the partners that may see its decisions."""
        sides = {code for d in self.differences.values() for code in d.sides()}
        return self.invited_agencies() | sides

    def taking_part(self, agency: str) -> bool:
        """Whether a partner ``agency`` takes part in the case's decisions."""
        return agency in self.agencies_taking_part()

    def open_matters(self) -> tuple[list[UUID], list[UUID]]:
        """Rule 15: the disputed discussions and the open differences, oldest first."""
        disputed = [d.discussion_id for d in self.discussions.values() if d.disputed]
        open_ = [d.difference_id for d in self.differences.values() if d.is_open]
        return disputed, open_

    def current_assessments(self) -> list[Assessment]:
        """Assessments not superseded by a correction, oldest first."""
        return current(self.assessments)

    def assessed_in_current_period(self, authority: str, now: datetime) -> bool:
        """Rule 5: an assessment by ``authority`` recorded during its current period."""
        period = self.current_period(now)
        return period.authority == authority and any(
            a.authority == authority and a.recorded_at >= period.since
            for a in self.current_assessments()
        )

    # ---- guards the commands share ---------------------------------------------------------

    def require_open(self) -> None:
        rules.require_open(self.status == CLOSED)

    def require_responsible(self, by: Actor, now: datetime) -> str:
        """The caller's authority, if it is responsible for the open case at ``now``."""
        authority = acting_authority(by)
        self.require_open()
        rules.require_responsible(self.responsible_authority(now), authority)
        return authority

    def transfer_in_progress(self, by: Actor, transfer_id: UUID, now: datetime) -> Transfer:
        """The transfer named, if it is in progress; roles are refused before any lookup."""
        acting_authority(by)  # MASH and auditors are refused before anything is looked up
        self.require_open()
        return rules.require_in_progress(self.transfer(transfer_id), now)
