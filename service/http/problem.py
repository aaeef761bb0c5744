"""Problems as RFC 9457 ``application/problem+json``: the one shape every error takes.

Built here for the middleware (413, a 500) and for the API's error map
(``service.api.errors``); each carries the request's id. A refusal may carry
extension members (RFC 9457, section 3.2): facts the caller needs to act on it, such
as the authority to contact. Each is declared on ``Problem``, so the OpenAPI document
lists it and a refusal carrying an undeclared one fails to build instead of sending
something undocumented.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from .context import current_request_id

PROBLEM_JSON = "application/problem+json"


class ProblemAuthority(BaseModel):
    code: str = Field(description="DfE code, e.g. '933'")
    name: str


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
    responsible_authority: ProblemAuthority | None = Field(
        None,
        description="With 409 child-has-open-case only: the authority responsible for the "
        "child's open case, to contact about it (the case itself is not named)",
    )
    discussions: list[str] | None = Field(
        None,
        description="With 409 strategy-outcome-pending: the discussions with no recorded "
        "outcome; with 409 open-matters-not-acknowledged: the disputed discussions the "
        "acceptance did not name",
    )
    differences: list[str] | None = Field(
        None,
        description="With 409 open-matters-not-acknowledged: the open professional "
        "differences the acceptance did not name",
    )


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> JSONResponse:
    extensions = extensions or {}
    undeclared = set(extensions) - set(Problem.model_fields)
    if undeclared:  # a bug: declare the member on Problem, documenting it
        raise ValueError(f"problem members not declared on Problem: {sorted(undeclared)}")
    body = Problem.model_validate(
        {
            **extensions,
            "type": f"urn:case-transfer:problem:{code}",
            "title": title,
            "status": status,
            "detail": detail,
            "code": code,
            "errors": errors,
            "request_id": current_request_id(),
        }
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        headers=headers,
        media_type=PROBLEM_JSON,
    )
