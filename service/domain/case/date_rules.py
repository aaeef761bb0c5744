"""The dates a case's commands take, bounded to what can be true of a child's case.

Each check raises ``InvalidInput`` (422) with its own code: a date of birth of
0001-01-01, an assessment completed before the child could have been referred, or a
transfer date in the year 9999 is a typing mistake, and recorded it would mislead every
reader of the case (an authority "responsible" for a 2,000-year-old, a hand-over that
never comes). A sibling of ``rules.py``: each code has its one home here.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from ..calendar import london_date
from ..errors import InvalidInput

# An expected date of birth is an estimate: a baby may come a few weeks late, and a
# pregnancy lasts at most about ten months.
EXPECTED_BIRTH_PAST_DAYS = 42
EXPECTED_BIRTH_FUTURE_DAYS = 300

SERVED_UNTIL_AGE = 25
"""Children's services serve children, people under 18 (Children Act 1989, s105(1)), and
care leavers, who are owed a personal adviser until they are 25 (Children Act 1989,
s23CZB, inserted by the Children and Social Work Act 2017, s3). The DfE's children in
need census queries any child over 25 (validation rule 8775Q). Nobody 25 or older has
a children's case to open."""

PRE_BIRTH_WEEKS = 40
"""A referral, and so an assessment, can come before birth, but the DfE's children in
need census refuses a referral more than 40 weeks before the (expected) date of birth
(validation rule 8606), and an assessment cannot start before its referral (1103)."""

DEFAULT_TRANSFER_DATE_HORIZON_DAYS = 180
"""How far ahead a transfer date may be proposed or agreed, by default (the setting
``CASE_TRANSFER_TRANSFER_DATE_HORIZON_DAYS``): six months is room for a move planned a
school term ahead, and catches a mistyped year (2062 for 2026) before it leaves a
transfer "in progress" for decades."""


def check_birth_dates(born: date | None, expected: date | None, today: date) -> None:
    """A child has a date of birth, or, before birth, an expected one; never both or neither."""
    if (born is None) == (expected is None):
        raise InvalidInput(
            "Give the child's date of birth, or an expected date of birth before birth.",
            code="birth-date-required",
        )
    if born is not None:
        check_not_future(born, today, "A date of birth cannot be in the future.")
        if _birthday(born, SERVED_UNTIL_AGE) <= today:
            raise InvalidInput(
                f"A child whose case is opened is younger than {SERVED_UNTIL_AGE}: children's "
                "services serve children and care leavers (Children Act 1989, s105 and "
                "s23CZB). Check the date of birth.",
                code="implausible-date-of-birth",
            )
    if expected is not None and not (
        today - timedelta(days=EXPECTED_BIRTH_PAST_DAYS)
        <= expected
        <= today + timedelta(days=EXPECTED_BIRTH_FUTURE_DAYS)
    ):
        raise InvalidInput(
            "An expected date of birth must be within the coming ten months "
            f"(or at most {EXPECTED_BIRTH_PAST_DAYS} days past).",
            code="implausible-expected-date-of-birth",
        )


def _birthday(born: date, age: int) -> date:
    """The day someone born on ``born`` reaches ``age``; born on 29 February, 1 March in a
    year without one."""
    try:
        return born.replace(year=born.year + age)
    except ValueError:
        return date(born.year + age, 3, 1)


def check_assessment_date(completed_on: date, born: date | None, expected: date | None) -> None:
    """An assessment is of a child who exists, or is expected within 40 weeks.

    Bounded by the child's (expected) date of birth, not by when the case was opened
    here: an authority records its case in this service when a transfer is near, often
    long after it assessed the child, and rule 5's "during its current period" is checked
    separately for a period begun by a transfer. A pre-birth assessment is ordinary
    practice, so the bound is ``PRE_BIRTH_WEEKS`` before the (expected) birth.
    """
    birth = born if born is not None else expected
    if birth is not None and completed_on < birth - timedelta(weeks=PRE_BIRTH_WEEKS):
        raise InvalidInput(
            f"An assessment cannot be completed more than {PRE_BIRTH_WEEKS} weeks before the "
            "child's date of birth (or expected date of birth).",
            code="assessment-before-child",
        )


def check_transfer_date_horizon(on: date, now: datetime, horizon_days: int) -> None:
    """A transfer date is at most ``horizon_days`` ahead (the setting's default is
    ``DEFAULT_TRANSFER_DATE_HORIZON_DAYS``)."""
    if (on - london_date(now)).days > horizon_days:
        raise InvalidInput(
            f"{on.isoformat()} is more than {horizon_days} days ahead; a transfer date must "
            "be within that horizon.",
            code="transfer-date-beyond-horizon",
        )


def check_not_future(day: date, today: date, detail: str) -> None:
    """Something that has happened (a birth, an assessment, a share) is not in the future."""
    if day > today:
        raise InvalidInput(detail, code="date-in-future")


def check_not_past(on: date, now: datetime) -> None:
    """Transfer dates are today or later in Europe/London (rule 3: no backdating)."""
    if on < london_date(now):
        raise InvalidInput(
            f"{on.isoformat()} is in the past; a transfer date must be today or later.",
            code="date-in-past",
        )
