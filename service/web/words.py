"""Dates, times and names as a person reads them, in the GOV.UK style.

Every instant is shown in Europe/London with its zone named (GMT or BST), because a
call to a MASH is about "now" in the UK, while the API answers in UTC. A hand-over at
the start of an agreed date reads "the start of Friday 27 November 2026 (midnight
GMT)", not "12:00am", which people misread as midday or as the end of the day.
"""

from __future__ import annotations

from datetime import date, datetime

from service.domain.calendar import LONDON, london_date
from service.domain.errors import InvalidInput
from service.domain.reference import authority


def authority_label(code: str) -> str:
    """ "Somerset (933)": the name people know and the code case systems use."""
    try:
        name = authority(code).name
    except InvalidInput:
        name = "Unknown authority"
    return f"{name} ({code})"


def authority_name(code: str) -> str:
    try:
        return authority(code).name
    except InvalidInput:
        return f"Authority {code}"


def day(value: date) -> str:
    """ "Friday 27 November 2026"."""
    return f"{value:%A} {value.day} {value:%B %Y}"


def short_day(value: date) -> str:
    """ "27 November 2026", for dates of birth and the like."""
    return f"{value.day} {value:%B %Y}"


def clock_time(instant: datetime) -> str:
    """ "9am", "9:41am", "midday", "midnight" (GOV.UK style), London time."""
    local = instant.astimezone(LONDON)
    if (local.hour, local.minute) == (0, 0):
        return "midnight"
    if (local.hour, local.minute) == (12, 0):
        return "midday"
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    minutes = f":{local.minute:02d}" if local.minute else ""
    return f"{hour}{minutes}{suffix}"


def zone(instant: datetime) -> str:
    """ "GMT" or "BST": the zone in force in London at ``instant``."""
    return instant.astimezone(LONDON).tzname() or "UK time"


def when(instant: datetime) -> str:
    """An instant in words, London time, zone named."""
    local = instant.astimezone(LONDON)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return f"the start of {day(local.date())} (midnight {zone(instant)})"
    return f"{day(local.date())} at {clock_time(instant)} {zone(instant)}"


def sentence(text: str) -> str:
    """``text`` with a capital first letter, to open a table cell or a summary value."""
    return text[:1].upper() + text[1:]


def relative(instant: datetime, now: datetime) -> str:
    """ "today", "yesterday", "3 days ago", "tomorrow", "in 2 days" (London dates)."""
    days = (london_date(instant) - london_date(now)).days
    if days == 0:
        return "today"
    if days == -1:
        return "yesterday"
    if days == 1:
        return "tomorrow"
    return f"{-days} days ago" if days < 0 else f"in {days} days"


def nhs_number(digits: str) -> str:
    """ "943 476 5919": the 3-3-4 grouping NHS staff read numbers back in."""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
