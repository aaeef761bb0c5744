"""Working days in England and Wales, and calendar dates in London.

Transfer dates are calendar dates in Europe/London (DESIGN.md, "Time"): responsibility
passes at the start of the agreed date, London time, which is 23:00 UTC the day before
while British Summer Time is in force. Timescales count working days: not weekends, and
not bank holidays in England and Wales (the ``holidays`` package, subdivision ENG, whose
bank holidays are Wales's too), including substitute days such as 28 December 2026.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")
_DAY = timedelta(days=1)


def london_date(instant: datetime) -> date:
    """The calendar date in London at ``instant``, which must carry its offset."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"instant must be timezone-aware, got naive {instant.isoformat()}")
    return instant.astimezone(LONDON).date()


def start_of_london_day(day: date) -> datetime:
    """00:00 Europe/London on ``day``, as a UTC datetime.

    Midnight always exists in London (the clocks change at 01:00 UTC), so this is never
    ambiguous.
    """
    return datetime(day.year, day.month, day.day, tzinfo=LONDON).astimezone(UTC)


@cache
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(day: date) -> bool:
    """Whether ``day`` is Monday to Friday and not an England and Wales bank holiday."""
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(day: date, n: int) -> date:
    """The date ``n`` working days after ``day``.

    Only the days after ``day`` are counted, whether or not ``day`` is itself a working
    day: one working day after a Friday is the next Monday (or Tuesday after a bank
    holiday Monday), and ``n == 0`` gives ``day`` back unchanged.
    """
    if n < 0:
        raise ValueError(f"n must be 0 or more, got {n}")
    counted = 0
    while counted < n:
        day += _DAY
        if is_working_day(day):
            counted += 1
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days fall after ``start``, up to and including ``end``.

    This is the inverse of ``add_working_days``: for a working day ``end`` after
    ``start``, ``add_working_days(start, working_days_between(start, end)) == end``. It is
    0 when ``end`` is on or before ``start``.
    """
    count = 0
    day = start
    while day < end:
        day += _DAY
        if is_working_day(day):
            count += 1
    return count
