"""Problems as RFC 9457 ``application/problem+json``: the one shape every error takes.

Built here for the middleware (413, a 500) and for the API's error map
(``service.api.errors``); each carries the request's id.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from .context import current_request_id

PROBLEM_JSON = "application/problem+json"


class Problem(BaseModel):
    """An RFC 9457 problem with the service's stable ``code``."""

    type: str
    title: str
    status: int
    detail: str
    code: str = Field(description="Stable, machine-readable; see DESIGN.md")
    errors: list[dict[str, Any]] | None = Field(None, description="Per-field input errors")
    request_id: str | None = Field(
        None,
        description="This request's id, as in the X-Request-ID response header and the "
        "service's logs: quote it when reporting a problem",
    )


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    body = Problem(
        type=f"urn:case-transfer:problem:{code}",
        title=title,
        status=status,
        detail=detail,
        code=code,
        errors=errors,
        request_id=current_request_id(),
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        headers=headers,
        media_type=PROBLEM_JSON,
    )
