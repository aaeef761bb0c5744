"""The MASH pages: staff of a Multi-Agency Safeguarding Hub look a child up in a browser.

Served by the same application as the API, under ``/mash/``, as a sub-application of
its own: its errors are pages, not problem+json, and its routes stay out of the API's
OpenAPI contract. The API's middleware (request ids, request logging, the body size
limit) wraps it like every other route. The sub-application shares the API's
``app.state``, so its routes find the application, the principals and the read-model
engine the lifespan made, as ``request.app.state`` does in the API's routes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import Response
from starlette.routing import Mount

from service.settings import Settings

from .assets import mount_assets
from .csrf import SignInForms, form_key
from .pages import (
    PREFIX,
    SECURITY_HEADERS,
    Pages,
    SecurityHeaders,
    register_page_errors,
    templates,
    unavailable,
)
from .routes import MashConfig, build_router
from .sessions import SessionPolicy

__all__ = ["PREFIX", "late_unavailable_page", "mount_mash"]


def mount_mash(
    app: FastAPI,
    settings: Settings,
    *,
    session_lifetime: timedelta = timedelta(hours=8),
    idle_timeout: timedelta = timedelta(minutes=30),
    govuk_frontend: Path | None = None,
) -> None:
    """Add the MASH pages to ``app`` (from ``create_app``) at ``/mash``; once only.

    Cookies are ``Secure`` unless ``settings.env`` is development, where the service is
    reached over plain http on localhost. ``govuk_frontend`` is the installed
    ``govuk-frontend/dist/govuk`` folder (default: ``node_modules`` of the repository).
    """
    if any(isinstance(route, Mount) and route.path == PREFIX for route in app.routes):
        return
    pages = Pages(templates())
    config = MashConfig(
        pages=pages,
        policy=SessionPolicy(lifetime=session_lifetime, idle=idle_timeout),
        sign_in_forms=SignInForms(form_key(settings.encryption_key)),
        secure_cookies=settings.env != "development",
    )
    web = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    web.state = app.state  # the lifespan's application, principals and projector
    register_page_errors(web, pages, retry_after_seconds=settings.retry_after_seconds)
    mount_assets(web, govuk_frontend)
    # The routes as made, not include_router: FastAPI would build each route a second
    # time on the first request (see service.api.operations.api_router).
    web.router.routes.extend(build_router(config).routes)
    web.add_middleware(SecurityHeaders)
    app.mount(PREFIX, web, name="mash")


def late_unavailable_page(settings: Settings) -> Callable[[], Response]:
    """The 503 page the middleware answers for a page whose store wait outlasted its
    deadline (``service.http.store_turns``): outside the pages' own middleware, so it
    carries their security headers itself."""
    pages = Pages(templates())

    def page() -> Response:
        response = unavailable(pages, settings.retry_after_seconds)
        response.headers.update(dict(SECURITY_HEADERS))
        response.headers["cache-control"] = "no-store"
        return response

    return page
