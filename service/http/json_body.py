"""Refuse a JSON body that names a field twice, before any route parses it.

``{"date": "2026-12-01", "date": "2027-12-01"}`` is valid JSON, and Python's parser
keeps the last value silently. Two systems reading the same body (a gateway that logs
or checks the first ``date``, the service that records the last) would then disagree
about what was sent, which is how a checked value gets swapped for an unchecked one.
So a body the API would read as JSON (FastAPI does when ``Content-Type`` is absent,
``application/json`` or ``application/*+json``) is parsed once more here, with a
hook that refuses a repeated name at any depth: 422 ``duplicate-json-key``.

Cheap by construction: only bodies the API would parse as JSON are read, the body size
limit (outside this) has already bounded them, and a body that is not valid JSON is
passed on untouched, for FastAPI to refuse as it always has.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.types import Receive, Scope, Send

from .middleware import HttpMiddleware, replaying
from .problem import problem

_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


class DuplicateKeyError(ValueError):
    """Raised when a JSON object names the same member twice."""

    def __init__(self, key: str) -> None:
        super().__init__("duplicate key")
        self.key = key


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKeyError(key)
            seen.add(key)
    return found


def _read_as_json(scope: Scope) -> bool:
    """Whether FastAPI would parse this request's body as JSON."""
    content_type: bytes | None = None
    for name, value in scope["headers"]:
        if name == b"content-type":
            content_type = bytes(value)
            break
    if content_type is None:
        return True
    media = content_type.split(b";", 1)[0].strip().lower()
    return media == b"application/json" or (
        media.startswith(b"application/") and media.endswith(b"+json")
    )


class DuplicateJsonKeys(HttpMiddleware):
    """ASGI middleware answering 422 problem+json for a JSON body with a repeated name."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("method") not in ("POST", "PUT", "PATCH") or not _read_as_json(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        repeated = _repeated_key(body)
        if repeated is not None:
            await self._refuse(repeated, scope, receive, send)
            return
        await self.app(scope, replaying(body, receive), send)

    async def _refuse(self, key: str, scope: Scope, receive: Receive, send: Send) -> None:
        # Name the member only when it looks like a field name: never echo other input.
        named = f' ("{key}")' if _FIELD_NAME.fullmatch(key) else ""
        response = problem(
            422,
            "duplicate-json-key",
            "The request is not valid",
            f"The JSON body names a member twice{named}; send each member once.",
        )
        await response(scope, receive, send)


def _repeated_key(body: bytes) -> str | None:
    """The first member named twice in ``body``; None if none is, or if it is not JSON."""
    if not body.strip():
        return None
    try:
        json.loads(body, object_pairs_hook=_refuse_duplicates)
    except DuplicateKeyError as repeated:
        return repeated.key
    except (ValueError, RecursionError):
        return None  # not JSON: FastAPI refuses it as it always has
    return None
