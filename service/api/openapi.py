"""How the OpenAPI document is generated: problems as problem+json, request ids on
every response. ``app.openapi_document`` writes it; it is committed in ``openapi/`` and
a test fails when the two differ."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from service.http.context import REQUEST_ID_HEADER

from .errors import document_problems_as_problem_json


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
            )
            app.openapi_schema = document_request_ids(document_problems_as_problem_json(schema))
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
