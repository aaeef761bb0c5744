"""How the OpenAPI document is generated: problems as problem+json, request ids on
every response. ``app.openapi_document`` writes it; it is committed in ``openapi/`` and
a test fails when the two differ."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from service.http.context import REQUEST_ID_HEADER

from .errors import document_problems_as_problem_json
from .openapi_shape import (
    authority_codes,
    dependent_fields,
    exact_parameters,
    links,
    response_headers,
)

TAGS = [
    {"name": "cases", "description": "Open, find, read and close cases; who is responsible"},
    {"name": "transfers", "description": "Every step of a hand-over, and the lists of them"},
    {"name": "strategy discussions", "description": "Section 47 strategy discussions"},
    {"name": "professional differences", "description": "Disagreements and their escalation"},
    {"name": "worklist", "description": "What an authority or a partner agency must do next"},
    {"name": "authorities", "description": "The English local authorities and caseloads"},
    {"name": "audit", "description": "The event feed and the access log, for auditors"},
    {"name": "ledger", "description": "Signed checkpoints of the event log and their keys"},
    {"name": "notifications", "description": "Subscriptions to signed notifications"},
    {"name": "health", "description": "Liveness and readiness, for the platform"},
]
SERVERS = [
    {
        "url": "http://127.0.0.1:8000",
        "description": "A development server (`make run`); each deployment serves the API "
        "at its own address, and paths here are relative to it",
    }
]
CONTACT = {"name": "Case transfer service maintainers"}


def document(app: FastAPI) -> None:
    """Generate the document once, with problems under application/problem+json and the
    request id documented on every response."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=TAGS,
                servers=SERVERS,
                contact=CONTACT,
            )
            shaped = document_problems_as_problem_json(schema)
            for shape in (
                authority_codes,
                dependent_fields,
                exact_parameters,
                response_headers,
                links,
                document_request_ids,
            ):
                shaped = shape(shaped)
            app.openapi_schema = shaped
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def document_request_ids(schema: dict[str, Any]) -> dict[str, Any]:
    """Document the ``X-Request-ID`` header on every response of an OpenAPI document."""
    header = {
        "description": "This request's id: the X-Request-ID sent, if 1-64 characters of "
        "A-Z a-z 0-9 . _ -, otherwise a new one. Also in problem bodies and in the logs.",
        "schema": {"type": "string", "maxLength": 64, "pattern": "^[A-Za-z0-9._-]{1,64}$"},
    }
    schema.setdefault("components", {}).setdefault("headers", {})[REQUEST_ID_HEADER] = header
    reference = {"$ref": f"#/components/headers/{REQUEST_ID_HEADER}"}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for response in operation.get("responses", {}).values():
                response.setdefault("headers", {})[REQUEST_ID_HEADER] = reference
    return schema
