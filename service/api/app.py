"""Builds the FastAPI application of the v1 API: its routes, its one map of errors to
problem+json, its documentation. Nothing is created at import.

The service behind it (``request.app.state.service``) is built by the lifespan the
caller passes (``service.asgi``); the MASH pages are mounted beside the API there too,
so this package never imports the pages, nor they it.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from starlette.types import Lifespan

from service.settings import Settings

from .docs import mount_docs
from .errors import register_problem_handlers
from .openapi import document
from .operations import operation_id
from .routers import (
    access_log,
    authorities,
    cases,
    events,
    health,
    ledger,
    professional_differences,
    strategy_discussions,
    subscriptions,
    transfer_lists,
    transfers,
    worklist,
)

DESCRIPTION = """\
Records every step of transferring a child in need's case from one English local
authority to another, and answers, for any case and any instant, which single
authority is responsible, as the record stood at any time.

Every error is `application/problem+json` with a stable `code`. Every response carries
an `X-Request-ID` (the one you sent, if 1-64 characters of `A-Za-z0-9._-`), also given
as `request_id` in problems: quote it when reporting one.
"""

ROUTERS = (
    authorities.router,
    cases.router,
    transfers.router,
    strategy_discussions.router,
    professional_differences.router,
    transfer_lists.router,
    worklist.router,
    events.router,
    access_log.router,
    ledger.router,
    subscriptions.router,
    health.router,
)


def create_api(settings: Settings, *, lifespan: Lifespan[Any] | None = None) -> FastAPI:
    """The API's routes and error answers for ``settings``, served by ``lifespan``'s service."""
    app = FastAPI(
        title="Case transfer service",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=operation_id,
    )
    register_problem_handlers(app, retry_after_seconds=settings.retry_after_seconds)
    for router in ROUTERS:  # their routes as they are: see ``operations.api_router``
        app.router.routes.extend(router.routes)
    mount_docs(app)
    document(app)
    return app


def openapi_document() -> str:
    """The API's OpenAPI document as stable, sorted JSON text (``case-transfer openapi``)."""
    # The document does not depend on the deployment: never on its mode or key.
    settings = Settings(database_url="sqlite:///:memory:", env="development", encryption_key=None)
    return (
        json.dumps(create_api(settings).openapi(), indent=2, sort_keys=True, ensure_ascii=False)
        + "\n"
    )
