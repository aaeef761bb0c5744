"""The one ASGI application: the v1 API, with the MASH pages beside it under ``/mash/``.

The service is built from Settings in the lifespan (``service.bootstrap``) and closed
at shutdown, so tests and several workers each build their own; the middleware every
request passes (request ids and logs, the body limit, refusing JSON that names a member
twice) wraps both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI

from .api.app import create_api
from .application import utc_now
from .bootstrap import check_settings, open_service
from .http.json_body import DuplicateJsonKeys
from .http.middleware import BodySizeLimit, RequestLogging
from .http.store_turns import StoreBudget
from .settings import Settings
from .web import PREFIX, late_unavailable_page, mount_mash


def create_app(
    settings: Settings | None = None, *, clock: Callable[[], datetime] = utc_now
) -> FastAPI:
    """The service for ``settings`` (read from the environment when not given).

    Settings the service must not start with (production without a principals file, an
    encryption key or a signing key, a malformed key) raise a ValueError with one line, here.
    """
    settings = settings or Settings()
    check_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service = open_service(settings, clock)
        app.state.service = service
        try:
            service.serve()
            yield
        finally:
            service.close()

    app = create_api(settings, lifespan=lifespan)
    # The MASH pages under /mash/ (not in the OpenAPI document).
    mount_mash(app, settings, govuk_frontend=settings.govuk_frontend_dir)
    app.add_middleware(DuplicateJsonKeys)  # inside the body limit: reads bounded bodies only
    app.add_middleware(
        StoreBudget,  # the deadline starts once the body is read: waits on the client aside
        timeout_seconds=settings.store_timeout_seconds,
        concurrency=settings.store_concurrency,
        retry_after_seconds=settings.retry_after_seconds,
        late_pages={PREFIX: late_unavailable_page(settings)},
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestLogging)  # added last: outermost, so a 413 carries the id too
    return app
