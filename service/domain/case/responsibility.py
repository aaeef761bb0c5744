"""Periods of responsibility: the answer to "who was responsible at T?".

A case's responsibility is a list of contiguous periods, oldest first. Each starts
when the previous one ends (rule 1: exactly one owner from opening to closure); the
last is open-ended while the case is open. A hand-over that has been accepted but
has not yet taken effect appears as a period starting in the future.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class Period:
    """One authority's responsibility, from ``since`` (inclusive) to ``until`` (exclusive)."""

    authority: str
    since: datetime
    until: datetime | None = None

    def covers(self, instant: datetime) -> bool:
        return self.since <= instant and (self.until is None or instant < self.until)


@dataclass(frozen=True)
class Responsibility:
    """The answer at one instant: an authority (or none) and the interval the answer holds for.

    Before opening ``authority`` is None and ``until`` is the opening instant; after
    closure ``authority`` is None and ``since`` is the closing instant.
    """

    authority: str | None
    since: datetime | None
    until: datetime | None


def responsibility_at(periods: list[Period], instant: datetime) -> Responsibility:
    """Who the periods say was responsible at ``instant``."""
    if not periods or instant < periods[0].since:
        return Responsibility(None, None, periods[0].since if periods else None)
    for period in periods:
        if period.covers(instant):
            return Responsibility(period.authority, period.since, period.until)
    return Responsibility(None, periods[-1].until, None)
