"""The middleware every request passes, API and MASH pages alike.

``RequestLogging`` gives each request its id and writes one log line about it: the
method, the route's template (``/v1/cases/{case_id}``, never the path as sent, which
can hold an NHS number, nor the query string), the ids in the path that are
well-formed, the status, the duration and the principal's name; never a header value,
a token or a body.
``BodySizeLimit`` refuses bodies over the configured size before any reaches a route.
Both are pure ASGI middleware.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .context import HEADER_KEY, RequestContext, begin, end, request_id
from .paths import route_template, well_formed_ids
from .problem import problem

log = logging.getLogger("service.requests")


class HttpMiddleware:
    """Pure ASGI middleware that acts on HTTP requests only (``handle``) and passes
    anything else (lifespan, websockets) straight through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class RequestLogging(HttpMiddleware):
    """ASGI middleware: a request id for each request, answered and logged, and one log line.

    Outermost of the service's middleware, so a 413 from the body limit carries the id
    too. An unhandled error (a bug) still answers a 500 problem with the id, then is
    raised again for the server (and tests) to see.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        context = RequestContext(request_id(scope["headers"]))
        token = begin(context)
        started = time.perf_counter()
        status: int | None = None

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [
                    (key, value)
                    for key, value in message.get("headers", [])
                    if key.lower() != HEADER_KEY
                ]
                headers.append((HEADER_KEY, context.request_id.encode("ascii")))
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
            end(token)


async def _internal_error(scope: Scope, receive: Receive, send: Send) -> None:
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
    path = route_template(scope)  # None: no route matched, and the path is not repeated
    fields: dict[str, Any] = {
        "method": scope.get("method"),
        "path": path,
        **well_formed_ids(scope),
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
        path or "(no route)",
        status,
        extra=fields,
        exc_info=failed,
    )


class BodySizeLimit(HttpMiddleware):
    """ASGI middleware answering 413 problem+json for bodies over ``max_bytes``."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        super().__init__(app)
        self.max_bytes = max_bytes

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        await self.app(scope, replaying(b"".join(chunks), receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(
            413,
            "payload-too-large",
            "Request body too large",
            f"Request bodies are limited to {self.max_bytes} bytes.",
        )
        await response(scope, receive, send)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the app ``body``, already read whole, then ``receive``'s
    later messages (a disconnect)."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
