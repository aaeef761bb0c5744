"""The request being handled: its id, and the principal once known.

Each request gets an id: the caller's ``X-Request-ID`` when it is safe to echo (1-64
characters of ``A-Z a-z 0-9 . _ -``), a new one otherwise, so a header cannot smuggle a
line break into a response or a log. The id is answered as ``X-Request-ID``, put in
every problem body and on every log line written while the request is handled: a case
system's error report can be matched to the service's logs. Shared by the API and the
MASH pages.
"""

from __future__ import annotations

import re
from contextvars import ContextVar, Token
from dataclasses import dataclass
from uuid import uuid4

REQUEST_ID_HEADER = "X-Request-ID"
HEADER_KEY = REQUEST_ID_HEADER.lower().encode("latin-1")
_SAFE_ID = re.compile(rb"[A-Za-z0-9._-]{1,64}")


@dataclass
class RequestContext:
    """What the logs may say about the request being handled; the principal once known."""

    request_id: str
    principal: str | None = None


# Holds a mutable object: route dependencies run in the thread pool on a copy of the
# context, and a name noted there must still be seen by the middleware afterwards.
_current: ContextVar[RequestContext | None] = ContextVar("case_transfer_request", default=None)


def current_request_id() -> str | None:
    """The id of the request being handled, or None outside a request."""
    context = _current.get()
    return context.request_id if context else None


def note_principal(name: str) -> None:
    """Name the authenticated principal in the request's log line."""
    context = _current.get()
    if context is not None:
        context.principal = name


def request_id(headers: list[tuple[bytes, bytes]]) -> str:
    supplied = next((value for key, value in headers if key.lower() == HEADER_KEY), None)
    if supplied is not None and _SAFE_ID.fullmatch(supplied):
        return supplied.decode("ascii")
    return uuid4().hex


def begin(context: RequestContext) -> Token[RequestContext | None]:
    """Make ``context`` the current request's; returns the token ``end`` takes."""
    return _current.set(context)


def end(token: Token[RequestContext | None]) -> None:
    _current.reset(token)
