"""A transfer of responsibility between two authorities, as the case's events have built it.

A transfer is not an aggregate of its own: its rules (one in progress per case,
acceptance needing the originating authority's assessment) depend on the case, so
it lives inside the case aggregate and changes only through the case's events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from ..calendar import london_date, start_of_london_day

PROPOSED = "proposed"
ACCEPTED = "accepted"
COMPLETED = "completed"
DECLINED = "declined"
WITHDRAWN = "withdrawn"


@dataclass
class InformationShare:
    """One record of what the originating authority shared with the receiving one."""

    categories: list[str]
    references: list[str]
    shared_on: date
    note: str
    recorded_at: datetime


@dataclass
class DateProposal:
    """A transfer date one party has put forward; it binds only once the other agrees."""

    date: date
    proposed_by: str
    proposed_at: datetime


@dataclass
class Transfer:
    """Everything recorded about one transfer, and the stage it has reached."""

    transfer_id: UUID
    from_authority: str
    to_authority: str
    reason: str
    proposed_at: datetime
    information: list[InformationShare] = field(default_factory=list)
    information_received_at: datetime | None = None
    date_proposal: DateProposal | None = None
    agreed_date: date | None = None
    date_agreed_at: datetime | None = None
    accepted_at: datetime | None = None
    effective_at: datetime | None = None
    ended: str | None = None
    ended_at: datetime | None = None
    end_reason: str | None = None

    def end(self, how: str, at: datetime, reason: str) -> None:
        """Mark the transfer declined or withdrawn."""
        self.ended, self.ended_at, self.end_reason = how, at, reason

    def stage(self, now: datetime) -> str:
        """The stage at ``now``: an accepted transfer completes at its effective instant."""
        if self.ended is not None:
            return self.ended
        if self.effective_at is not None:
            return COMPLETED if now >= self.effective_at else ACCEPTED
        return PROPOSED

    @property
    def settling(self) -> bool:
        """Accepted on or after its agreed day began, to take effect once the acceptance has
        surely committed (the application's settle margin, rule 3): final already, it
        only waits for that commit."""
        return (
            self.effective_at is not None
            and self.agreed_date is not None
            and self.effective_at > start_of_london_day(self.agreed_date)
        )

    def in_progress(self, now: datetime) -> bool:
        """True from proposal until the effective instant, unless declined or withdrawn."""
        return self.stage(now) in (PROPOSED, ACCEPTED)

    def party(self, authority: str) -> bool:
        return authority in (self.from_authority, self.to_authority)

    def other_party(self, authority: str) -> str:
        return self.to_authority if authority == self.from_authority else self.from_authority

    @property
    def information_shared(self) -> bool:
        return bool(self.information)

    def date_agreed(self, now: datetime) -> bool:
        """An agreed date counts until it passes unaccepted: then it has lapsed."""
        return self.agreed_date is not None and not self.date_lapsed(now)

    def date_lapsed(self, now: datetime) -> bool:
        """An agreed date that passed before the receiving authority accepted."""
        return (
            self.accepted_at is None
            and self.agreed_date is not None
            and self.agreed_date < london_date(now)
        )
