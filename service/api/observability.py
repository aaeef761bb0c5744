"""Request ids, one JSON log line per request, and every log record as one JSON line.

Each request gets an id: the caller's ``X-Request-ID`` when it is safe to echo (1-64
characters of ``A-Z a-z 0-9 . _ -``), a new one otherwise, so a header cannot smuggle a
line break into a response or a log. The id is answered as ``X-Request-ID``, put in every
problem body and on every log line written while the request is handled: a case system's
error report can be matched to the service's logs.

Only the method, the path (never the query string, which can hold an NHS number), the
status, the duration and the principal's name are logged about a request: never a header
value, a token or a body.
"""

from __future__ import annotations

import json
import logging
import re
import time
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
_HEADER_KEY = REQUEST_ID_HEADER.lower().encode("latin-1")
_SAFE_ID = re.compile(rb"[A-Za-z0-9._-]{1,64}")
_MAX_LOGGED_PATH = 512

log = logging.getLogger("service.requests")


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


def _request_id(headers: list[tuple[bytes, bytes]]) -> str:
    supplied = next((value for key, value in headers if key.lower() == _HEADER_KEY), None)
    if supplied is not None and _SAFE_ID.fullmatch(supplied):
        return supplied.decode("ascii")
    return uuid4().hex


class RequestLogging:
    """ASGI middleware: a request id for each request, answered and logged, and one log line.

    Outermost of the service's middleware, so a 413 from the body limit carries the id
    too. An unhandled error (a bug) still answers a 500 problem with the id, then is
    raised again for the server (and tests) to see.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        context = RequestContext(_request_id(scope["headers"]))
        token = _current.set(context)
        started = time.perf_counter()
        status: int | None = None

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [
                    (key, value)
                    for key, value in message.get("headers", [])
                    if key.lower() != _HEADER_KEY
                ]
                headers.append((_HEADER_KEY, context.request_id.encode("ascii")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            if status is None:
                await _internal_error(scope, receive, send_with_id)
            _log_request(scope, status or 500, started, context, failed=True)
            raise
        else:
            _log_request(scope, status, started, context)
        finally:
            _current.reset(token)


async def _internal_error(scope: Scope, receive: Receive, send: Send) -> None:
    from .problems import problem  # problems reads the request id from here

    response = problem(
        500,
        "internal-error",
        "Internal error",
        "The service failed to answer; a change may or may not have been recorded. Quote "
        "the request id when reporting this.",
    )
    await response(scope, receive, send)


def _log_request(
    scope: Scope,
    status: int | None,
    started: float,
    context: RequestContext,
    *,
    failed: bool = False,
) -> None:
    path = str(scope.get("path", ""))[:_MAX_LOGGED_PATH]
    fields: dict[str, Any] = {
        "method": scope.get("method"),
        "path": path,
        "status": status,  # None: the client went away before an answer was sent
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
    }
    if context.principal is not None:
        fields["principal"] = context.principal
    level = logging.ERROR if failed or (status or 0) >= 500 else logging.INFO
    log.log(
        level,
        "%s %s %s",
        fields["method"],
        path,
        status,
        extra=fields,
        exc_info=failed,
    )


# ---- log lines as JSON --------------------------------------------------------------------

_RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp, level, logger, message, request_id, extras.

    The request id is read when the record is formatted, which for a handler writing
    straight to a stream is while the request is being handled.
    """

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES and key not in line:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for ``uvicorn.run(log_config=...)``: JSON on stderr.

    The service's and uvicorn's loggers at ``level``, other libraries' warnings and
    errors. uvicorn's access log stays off (run it with ``access_log=False``): the
    middleware logs each request, without the query string.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": "WARNING"},
        "loggers": {
            "service": {"level": level},
            "uvicorn": {"level": level},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"level": "WARNING", "propagate": False},
        },
    }


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
