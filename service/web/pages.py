"""Rendering the MASH pages: the Jinja2 templates, the response headers, the error pages.

The pages answer in HTML whatever goes wrong (a missing page, an expired form, the
database away): problem+json is the API's language, and a person reading a page
needs words and a way on, not a JSON body.

Every response under ``/mash`` carries a strict Content-Security-Policy: scripts,
styles, fonts and images from this origin only, no inline script or style at all
(the page's one start-up script is a file), no framing, forms posting only here.
Pages are never cached: they show personal data, and the back button after sign-out
must not bring a case back from the browser's cache.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Message, Receive, Scope, Send

from service.adapters.event_store import StoreUnavailableError
from service.domain.errors import DomainError, Forbidden, NotFound
from service.http.middleware import HttpMiddleware

from .csrf import CsrfError

PREFIX = "/mash"
log = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    ("cross-origin-opener-policy", "same-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"),
)
_ASSET_PATHS = (f"{PREFIX}/assets/", f"{PREFIX}/static/")


class SignInRequiredError(Exception):
    """Raised when a page needs a session and there is none (redirect to sign in)."""

    def __init__(self, *, ended: bool) -> None:
        super().__init__("sign in required")
        self.ended = ended


class SecurityHeaders(HttpMiddleware):
    """ASGI middleware: the security headers on every response, ``no-store`` on pages."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        is_asset = str(scope.get("path", "")).startswith(_ASSET_PATHS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {key.lower() for key, _ in headers}
                for name, value in SECURITY_HEADERS:
                    if name.encode("latin-1") not in present:
                        headers.append((name.encode("latin-1"), value.encode("latin-1")))
                if not is_asset:
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def templates() -> Environment:
    """The pages' templates, shipped in the package; autoescaped, strict about names."""
    return Environment(
        loader=PackageLoader("service.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


class Pages:
    """Renders a template into an HTML response, with what every page needs."""

    def __init__(self, environment: Environment) -> None:
        self.environment = environment

    def render(self, name: str, *, status: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("session", None)
        context.setdefault("csrf_token", None)
        context.setdefault("errors", [])
        context.setdefault("prefix", PREFIX)
        context.setdefault("nav", None)
        html = self.environment.get_template(name).render(**context)
        return HTMLResponse(html, status_code=status)

    def error(self, status: int, title: str, paragraphs: list[str], **extra: Any) -> HTMLResponse:
        return self.render("error.html", status=status, title=title, paragraphs=paragraphs, **extra)

    def not_found(self) -> HTMLResponse:
        return self.error(
            404,
            "Page not found",
            [
                "If you typed the web address, check it is correct.",
                "If you pasted the web address, check you copied the entire address.",
            ],
        )


def unavailable(pages: Pages, retry_after_seconds: int) -> HTMLResponse:
    """The page answered when the record cannot be reached in time (503)."""
    response = pages.error(
        503,
        "Sorry, there is a problem with the service",
        [
            "The record cannot be reached just now. Try again in a few minutes.",
            "If a child may be at risk, do not wait: follow your MASH procedure for "
            "when this service is unavailable.",
        ],
    )
    response.headers["Retry-After"] = str(retry_after_seconds)
    return response


def register_page_errors(app: FastAPI, pages: Pages, *, retry_after_seconds: int) -> None:
    """Answer every error under ``/mash`` with a page; statuses as the API would choose."""

    def sign_in_required(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequiredError)
        target = f"{PREFIX}/sign-in" + ("?signed-out=1" if exc.ended else "")
        return RedirectResponse(target, status_code=303)

    def csrf_failed(_: Request, exc: Exception) -> Response:
        log.info("form refused: %s", exc)
        return pages.error(
            403,
            "Sorry, this form could not be sent",
            [
                "The form had expired, or was not sent from this service's own page. "
                "Nothing was done.",
                "Go back, reload the page and try again.",
            ],
            link=(f"{PREFIX}/", "Start again"),
        )

    def domain_error(_: Request, exc: Exception) -> Response:
        if isinstance(exc, NotFound):
            return pages.not_found()
        if isinstance(exc, Forbidden):
            return pages.error(403, "You cannot do this", ["Your role may not do this."])
        assert isinstance(exc, DomainError)
        return pages.error(400, "Sorry, that did not work", [exc.detail])

    def store_unavailable(_: Request, exc: Exception) -> Response:
        log.warning("store unavailable: %s", exc)
        return unavailable(pages, retry_after_seconds)

    def http_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code in (404, 405):
            return pages.not_found()
        return pages.error(exc.status_code, "Sorry, that did not work", [str(exc.detail)])

    def invalid_request(_: Request, exc: Exception) -> Response:
        return pages.error(400, "Sorry, that did not work", ["The form could not be read."])

    app.add_exception_handler(SignInRequiredError, sign_in_required)
    app.add_exception_handler(CsrfError, csrf_failed)
    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(StoreUnavailableError, store_unavailable)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
