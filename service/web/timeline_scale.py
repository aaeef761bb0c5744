"""The timeline's scale and axis: instants to x positions, and round London times to
label (``timeline_svg.py`` draws with them).

Ticks fall on round London times (hours, midnights, firsts of months) at the coarsest
step that gives at most six across the plot, so the labels never collide whatever the
case's age.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from service.domain.calendar import LONDON
from service.domain.case.responsibility import Period

WIDTH = 960
LABEL_WIDTH = 230
RIGHT_MARGIN = 24
MIN_SPAN = timedelta(days=2)


class Scale:
    """Instants to x positions across the plot."""

    def __init__(self, start: datetime, end: datetime) -> None:
        self.start = start
        self.seconds = max((end - start).total_seconds(), 1.0)
        self.left = LABEL_WIDTH
        self.width = WIDTH - LABEL_WIDTH - RIGHT_MARGIN

    def x(self, instant: datetime) -> float:
        fraction = (instant - self.start).total_seconds() / self.seconds
        return round(self.left + max(0.0, min(1.0, fraction)) * self.width, 1)

    @property
    def right(self) -> float:
        return float(self.left + self.width)


def extent(periods: Sequence[Period], now: datetime) -> tuple[datetime, datetime]:
    """From the opening to a little after the later of today and the last change ahead."""
    start = periods[0].since
    last = max([now, *(p.since for p in periods), *(p.until for p in periods if p.until)])
    span = max(last - start, MIN_SPAN)
    return start - span * 0.02, last + span * 0.15


_HOURS = (1, 3, 6, 12)
_DAYS = (1, 2, 7, 14)
_MONTHS = (1, 2, 3, 6, 12, 24, 60)
_MAX_TICKS = 6


def ticks(start: datetime, end: datetime) -> list[tuple[datetime, str]]:
    """Axis ticks at round London times (hours, midnights, firsts of months), labelled.

    The coarsest step giving at most six ticks across the plot, so the labels never
    collide whatever the case's age.
    """
    span = end - start
    local = start.astimezone(LONDON)
    for hours in _HOURS:
        if span / timedelta(hours=hours) <= _MAX_TICKS:
            first = local.replace(minute=0, second=0, microsecond=0)
            instants = [first + timedelta(hours=h) for h in range(0, 7 * hours + 1)]
            chosen = [i for i in instants if i.hour % hours == 0 and start <= i <= end]
            labelled = [(i, _hour(i)) for i in chosen]
            if labelled and chosen[0].hour != 0:  # say which day the first hours are on
                labelled[0] = (chosen[0], f"{chosen[0].day} {chosen[0]:%b}, {labelled[0][1]}")
            return labelled
    for days in _DAYS:
        if span / timedelta(days=days) <= _MAX_TICKS:
            first_day = local.date() + timedelta(days=1)
            if days in (7, 14):
                first_day += timedelta(days=(7 - first_day.weekday()) % 7)  # Mondays
            dates = [first_day + timedelta(days=days * n) for n in range(_MAX_TICKS + 1)]
            midnights = [datetime(d.year, d.month, d.day, tzinfo=LONDON) for d in dates]
            return [(m, f"{m.day} {m:%b}") for m in midnights if m <= end]
    months = next(
        (m for m in _MONTHS if span / timedelta(days=30.44 * m) <= _MAX_TICKS), _MONTHS[-1]
    )
    index = local.year * 12 + local.month  # the first of the next month, counted from year 0
    index += -index % months  # quarters, half-years and years start in January
    ticks: list[tuple[datetime, str]] = []
    while True:
        year, month = divmod(index, 12)
        instant = datetime(year, month + 1, 1, tzinfo=LONDON)
        if instant > end:
            return ticks
        ticks.append((instant, f"{instant:%Y}" if months >= 12 else f"{instant:%b %Y}"))
        index += months


def _hour(instant: datetime) -> str:
    """ "27 Nov" at midnight, then "6am", "midday", "6pm": the date only where it changes."""
    if instant.hour == 0:
        return f"{instant.day} {instant:%b}"
    if instant.hour == 12:
        return "midday"
    return f"{instant.hour % 12}{'am' if instant.hour < 12 else 'pm'}"
