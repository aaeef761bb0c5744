"""Opaque cursors for keyset pagination of the read models' lists.

A cursor holds the sort key of the last item a page showed, so the next page starts
with one index range (``(a, b) > (x, y)``) however deep a client pages, where an
OFFSET would read and discard every earlier row and skip or repeat items when rows
move between requests. It also holds a digest of the filters the page was read with:
a cursor replayed against other filters (another authority, another stage) would
silently skip or repeat items, so it is refused instead.

A cursor is urlsafe base64 of JSON, padding stripped. Clients must treat it as opaque;
nothing in it is secret or identifies a child (ids, instants, dates and a hash).
"""

from __future__ import annotations

import hashlib
import json
from base64 import urlsafe_b64decode, urlsafe_b64encode
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TypeVar
from uuid import UUID

from service.domain.errors import InvalidInput

K = TypeVar("K")
X = TypeVar("X")

MAX_LIMIT = 200

MAX_CURSOR_LENGTH = 512
"""Far longer than any cursor this module makes; a longer one is refused unread."""

Filter = str | bool | None


def filters_digest(query: str, *filters: Filter) -> str:
    """A short digest of which list was asked for and with which filters."""
    text = json.dumps([query, *filters], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def make_cursor(filters: str, key: Sequence[str]) -> str:
    """The cursor of the page after the item whose sort key is ``key``."""
    payload = json.dumps({"f": filters, "k": list(key)}, separators=(",", ":"))
    return urlsafe_b64encode(payload.encode()).decode("ascii").rstrip("=")


def read_cursor(
    cursor: str | None, filters: str, width: int, parse: Callable[[list[str]], K]
) -> K | None:
    """The sort key ``cursor`` holds, parsed; None without a cursor.

    Refuses (422, ``invalid-cursor``) a cursor that does not decode, holds a key of
    the wrong shape, or was made for other filters than ``filters``.
    """
    if cursor is None:
        return None
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError("too long")
        raw = urlsafe_b64decode(cursor.encode("ascii") + b"=" * (-len(cursor) % 4))
        payload = json.loads(raw)
        if not isinstance(payload, dict):
            raise ValueError("not an object")
        key = payload.get("k")
        if not isinstance(key, list) or len(key) != width:
            raise ValueError("no key of the right width")
        if not all(isinstance(value, str) for value in key):
            raise ValueError("a key of other than strings")
        parsed = parse(key)
    except (ValueError, RecursionError):
        raise _invalid("This cursor is not one this service made.") from None
    if payload.get("f") != filters:
        raise _invalid("This cursor was made for a list with other filters.")
    return parsed


def check_limit(limit: int, maximum: int = MAX_LIMIT) -> None:
    """Refuse (422, ``invalid-limit``) a page size outside 1..``maximum``."""
    if isinstance(limit, bool) or not 1 <= limit <= maximum:
        raise InvalidInput(f"limit must be from 1 to {maximum}.", code="invalid-limit")


def page(
    items: Sequence[X], limit: int, filters: str, key: Callable[[X], list[str]]
) -> tuple[Sequence[X], str | None]:
    """The first ``limit`` items, and the next page's cursor if there are more.

    Callers fetch ``limit + 1`` rows: the extra one says whether another page
    exists without a COUNT, and is not shown.
    """
    if len(items) <= limit:
        return items, None
    shown = items[:limit]
    return shown, make_cursor(filters, key(shown[-1]))


def instant_and_id(values: list[str]) -> tuple[datetime, UUID]:
    """A key of an aware instant and an id (caseloads, transfers)."""
    return _instant(values[0]), UUID(values[1])


def identifier(values: list[str]) -> UUID:
    """A key of one id (cases by local reference)."""
    return UUID(values[0])


def day_and_text(values: list[str]) -> tuple[date, str]:
    """A key of a calendar date and a string id (the worklist)."""
    return date.fromisoformat(values[0]), values[1]


def _instant(value: str) -> datetime:
    instant = datetime.fromisoformat(value)
    if instant.tzinfo is None:
        raise ValueError("a naive instant")
    return instant


def _invalid(detail: str) -> InvalidInput:
    return InvalidInput(detail + " Ask for the first page again.", code="invalid-cursor")
