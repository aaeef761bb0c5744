"""Limits on what a client may write into the record.

Every string field has a documented maximum length (DESIGN.md); the API's schemas
use the same constants so the contract and the rules cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .errors import InvalidInput

REFERENCE_MAX = 64
TEXT_MAX = 10_000
LIST_MAX = 50

# Control characters other than tab, line feed and carriage return have no place in
# a case record and are a favourite of injection attempts against log viewers.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_text(value: str, field: str, *, max_length: int = TEXT_MAX) -> str:
    """Return ``value`` stripped; refuse it when blank, too long or holding control characters."""
    stripped = value.strip()
    if not stripped:
        raise InvalidInput(f"{field} must not be blank.", code="text-required")
    if len(stripped) > max_length:
        raise InvalidInput(
            f"{field} is {len(stripped)} characters; the most allowed is {max_length}.",
            code="text-too-long",
        )
    if _CONTROL.search(stripped):
        raise InvalidInput(f"{field} contains control characters.", code="control-characters")
    return stripped


def check_references(values: Sequence[str], field: str) -> list[str]:
    """Check a list of short references (such as document ids); at most LIST_MAX of them."""
    if len(values) > LIST_MAX:
        raise InvalidInput(f"{field} has more than {LIST_MAX} entries.", code="too-many-items")
    return [check_text(v, field, max_length=REFERENCE_MAX) for v in values]
