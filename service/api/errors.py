"""Every error as application/problem+json (RFC 9457), mapped from one place.

The one map of refusals to statuses: every class of refusal the layers below raise
(the domain's ``DomainError`` family, the store's unavailability, the read models
lagging, a missing token) answers here, with the body ``service.http.problem`` builds.

Each refusal class maps to one status; the ``code`` comes from the refusal itself,
so case systems can branch on it. A 500 is a bug: it still answers problem+json, and
tests let it surface instead (``raise_server_exceptions=True``).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.adapters.event_store import StoreUnavailableError
from service.adapters.log_follower import ReadModelsBehindError
from service.application import StaleVersionError, WriteConflictError
from service.domain.errors import DomainError, Forbidden, InvalidInput, NotFound, RuleViolation
from service.http.problem import PROBLEM_JSON, Problem, problem

log = logging.getLogger(__name__)

STATUS_OF: dict[type[DomainError], int] = {
    RuleViolation: 409,
    InvalidInput: 422,
    NotFound: 404,
    Forbidden: 403,
    StaleVersionError: 412,
}


UNAVAILABLE: dict[type[Exception], tuple[str, str, str]] = {
    StoreUnavailableError: (
        "store-unavailable",
        "The record is unavailable",
        "The store cannot be reached just now; nothing was recorded. Retry later.",
    ),
    ReadModelsBehindError: (
        "read-models-behind",
        "The lists are catching up",
        "The lists do not yet reflect every step recorded; rather than show a stale "
        "list, nothing is shown. Retry shortly, or look the case up by its id.",
    ),
    WriteConflictError: (
        "write-conflict",
        "Too many changes to this case at once",
        "Other changes to this case kept being saved first, each time this one was "
        "checked again; nothing was recorded. Send the same request again after Retry-After.",
    ),
}
"""The 503s: what could not answer in time, each with its code, title and detail."""


class UnauthenticatedError(Exception):
    """Raised when a request has no bearer token or an unknown one (401)."""


def problem_responses(
    *statuses: int, base: tuple[int, ...] = (401, 422, 503)
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI documentation of the problems a route can answer (``base`` plus ``statuses``)."""
    descriptions = {
        401: "No token, or an unknown one",
        403: "Your role may not do this",
        404: "No such case, or not visible to you",
        409: "A rule refuses this step; `code` names the rule",
        412: "If-Match names a stale version",
        413: "Request body too large",
        422: "Malformed input",
        503: "The store is unavailable; see Retry-After",
    }
    return {
        s: {"model": Problem, "description": descriptions[s]} for s in sorted({*base, *statuses})
    }


def document_problems_as_problem_json(schema: dict[str, Any]) -> dict[str, Any]:
    """Move every 4xx/5xx body in an OpenAPI document to the media type actually sent.

    FastAPI documents a response ``model`` as application/json; problems are sent as
    application/problem+json, and a client generated from the document should know.
    """
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status[0] in "45" and "application/json" in content:
                    content[PROBLEM_JSON] = content.pop("application/json")
    return schema


def _allowed_methods(request: Request) -> str:
    """Every method the document gives this path: Starlette's 405 names only the first
    route's, and a path such as ``/v1/subscriptions/{id}`` has a route per method."""
    path = request.url.path
    for template, operations in request.app.openapi().get("paths", {}).items():
        if re.fullmatch(re.sub(r"\{[^}/]+\}", "[^/]+", template), path):
            return ", ".join(sorted(method.upper() for method in operations))
    return ""


def register_problem_handlers(app: FastAPI, *, retry_after_seconds: int) -> None:
    """Map every refusal to its problem+json answer; the only place statuses are chosen."""

    def domain_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DomainError)
        status = next(s for cls, s in STATUS_OF.items() if isinstance(exc, cls))
        return problem(status, exc.code, exc.title, exc.detail, extensions=exc.extensions)

    def unavailable(_: Request, exc: Exception) -> JSONResponse:
        code, title, detail = next(v for cls, v in UNAVAILABLE.items() if isinstance(exc, cls))
        log.warning("%s: %s", code.replace("-", " "), exc)
        return problem(503, code, title, detail, headers={"Retry-After": str(retry_after_seconds)})

    def unauthenticated(_: Request, exc: Exception) -> JSONResponse:
        return problem(
            401,
            "unauthenticated",
            "Authentication required",
            str(exc),
            headers={"WWW-Authenticate": 'Bearer realm="case-transfer"'},
        )

    def invalid_request(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        # Only where and what: never echo the input, which may be personal data.
        errors = [
            {
                "loc": [str(part) for part in e.get("loc", ())],
                "msg": e.get("msg", ""),
                "type": e.get("type", ""),
            }
            for e in exc.errors()
        ]
        return problem(
            422,
            "invalid-request",
            "The request is not valid",
            "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors)[:2000],
            errors=errors,
        )

    def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 400:
            # FastAPI's only 400 is a body it could not decode (not UTF-8): malformed input.
            return problem(
                422,
                "invalid-request",
                "The request is not valid",
                "The request body could not be read as UTF-8 JSON.",
            )
        codes = {404: "not-found", 405: "method-not-allowed"}
        code = codes.get(exc.status_code, f"http-{exc.status_code}")
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": _allowed_methods(request)}
        return problem(exc.status_code, code, str(exc.detail), str(exc.detail), headers=headers)

    app.add_exception_handler(DomainError, domain_error)
    for unavailable_error in UNAVAILABLE:
        app.add_exception_handler(unavailable_error, unavailable)
    app.add_exception_handler(UnauthenticatedError, unauthenticated)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(StarletteHTTPException, http_error)
