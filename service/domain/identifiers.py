"""Child identifiers: the NHS number and its Modulus 11 check digit.

The NHS number is how MASH staff and both authorities find the same child, so a mistyped
one must be refused at the door rather than open a second, unconnected case. The check
digit catches every single-digit error and most transpositions.

Details never repeat the number: they may end up in logs, and an NHS number is personal
data.
"""

from __future__ import annotations

import re

from .errors import InvalidInput

# Ten ASCII digits, bare or as 3-3-4 groups with one kind of separator ("943 476 5919",
# "943-476-5919"). ASCII only: a bare \d would let other scripts' digits through.
_WRITTEN = re.compile(r"([0-9]{3})([ -]?)([0-9]{3})\2([0-9]{4})")
_WEIGHTS = range(10, 1, -1)


def _check_digit(first_nine: str) -> int | None:
    """The check digit the first nine digits call for, or None if no number can have them."""
    remainder = sum(int(d) * w for d, w in zip(first_nine, _WEIGHTS, strict=True)) % 11
    check = 11 - remainder
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def check_nhs_number(value: str) -> str:
    """The bare ten digits of ``value`` if it is a well-formed NHS number.

    Surrounding whitespace is ignored. Numbers of one repeated digit ("0000000000",
    "4444444444") pass the Modulus 11 check, since every one of them does, but none is
    ever issued, so they are refused as the placeholders they usually are.
    """
    match = _WRITTEN.fullmatch(value.strip())
    digits = match.group(1) + match.group(3) + match.group(4) if match else ""
    if match is None:
        problem = (
            "An NHS number is 10 digits, written together or in groups of 3, 3 and 4 "
            'separated by spaces or hyphens (for example "943 476 5919").'
        )
    elif len(set(digits)) == 1:
        problem = "That NHS number is a placeholder of one repeated digit, not a real NHS number."
    elif _check_digit(digits[:9]) != int(digits[9]):
        problem = (
            "That NHS number fails its check digit, so at least one digit is wrong: "
            "check it against the child's record."
        )
    else:
        return digits
    raise InvalidInput(problem, code="invalid-nhs-number")


def is_valid_nhs_number(value: str) -> bool:
    """Whether ``check_nhs_number`` would accept ``value``."""
    try:
        check_nhs_number(value)
    except InvalidInput:
        return False
    return True
