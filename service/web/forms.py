"""Reading what staff typed into the MASH pages' forms, with GOV.UK error messages.

Each refusal names the field it belongs to, so the page can show the message beside
the field and link to it from the error summary. Messages say what to do ("Enter the
NHS number as 10 digits…"), never repeat the number typed (it is personal data and
could end up wherever the message is copied), and are never logged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from uuid import UUID

from service.domain.errors import InvalidInput
from service.domain.identifiers import check_nhs_number

_SEPARATORS = re.compile(r"[\s-]")


@dataclass(frozen=True)
class FieldError:
    """A message for one field: ``field`` is the id of its input, for the summary's link."""

    field: str
    message: str


class FormError(Exception):
    """Raised when a form's input cannot be used; carries the message for its field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.error = FieldError(field, message)


def nhs_number(value: str) -> str:
    """The bare 10 digits of an NHS number typed into the search form."""
    typed = value.strip()
    try:
        return check_nhs_number(typed)
    except InvalidInput:
        pass
    field = "nhs-number"
    if not typed:
        raise FormError(field, "Enter the child's NHS number")
    digits = _SEPARATORS.sub("", typed)
    if len(digits) != 10 or not (digits.isascii() and digits.isdigit()):
        raise FormError(field, "Enter the NHS number as 10 digits, like 943 476 5919")
    if len(set(digits)) == 1:
        raise FormError(field, "Enter a real NHS number, not one digit repeated")
    try:
        return check_nhs_number(digits)
    except InvalidInput:
        raise FormError(
            field,
            "Enter a valid NHS number: the last digit does not match the others, so at "
            "least one digit is wrong",
        ) from None


def case_id(value: str) -> UUID:
    """A case id typed or pasted into the search form."""
    typed = value.strip()
    field = "case-id"
    if not typed:
        raise FormError(field, "Enter the case id")
    try:
        if len(typed) > 45:
            raise ValueError(typed)
        return UUID(typed)
    except ValueError:
        raise FormError(
            field,
            "Enter the case id as the case system shows it, like "
            "3f2b9a4e-5c1d-4e8f-9a7b-2c6d8e0f1a3b",
        ) from None
