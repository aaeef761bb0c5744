"""The one error hierarchy of the domain.

Every refusal carries a stable, machine-readable ``code`` that case systems code
against (DESIGN.md, "Errors"). The API maps each family to an HTTP status in one
place (``service.api.problems``); nothing below the API knows about HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType


class DomainError(Exception):
    """Raised when a command or query is refused; the base of every refusal.

    ``extensions`` are facts the caller needs to act on the refusal, as plain JSON
    values under documented names (the API sends them as members of the problem body,
    and its ``Problem`` schema must declare each name). Most refusals have none.
    """

    code: str = "refused"
    title: str = "Refused"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        extensions: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.extensions: Mapping[str, object] = MappingProxyType(dict(extensions or {}))


class RuleViolation(DomainError):
    """Raised when a rule of DESIGN.md refuses a step in the case's current state (409)."""

    title = "The record's rules refuse this step"


class InvalidInput(DomainError):
    """Raised when what the caller sent is malformed or names unknown things (422)."""

    code = "invalid-input"
    title = "The request is not valid"


class NotFound(DomainError):
    """Raised when a case or transfer does not exist, or is not visible to the caller (404)."""

    code = "not-found"
    title = "Not found"


class Forbidden(DomainError):
    """Raised when the caller's role may never do this, whatever the case (403)."""

    code = "role-not-permitted"
    title = "Your role may not do this"
