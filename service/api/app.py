"""Builds the FastAPI application: nothing is created at import, everything in create_app.

The event-sourced application and the principals are made in the lifespan and closed
at shutdown, so tests (and several workers) each build their own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from service.application import CaseTransferApplication, utc_now
from service.audit.ledger import Checkpoints, LedgerProjector
from service.audit.signing import signing_keys
from service.principals import load_principals
from service.projections.database import prepare_schema, read_model_engine
from service.projections.queries import ReadModels
from service.projections.runner import BackgroundProjection, Projector
from service.settings import Settings
from service.store import eventsourcing_env
from service.web import mount_mash

from .docs import mount_docs
from .limits import BodySizeLimit
from .observability import RequestLogging, document_request_ids
from .problems import document_problems_as_problem_json, register_problem_handlers
from .routers import (
    access_log,
    authorities,
    cases,
    events,
    health,
    ledger,
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


def create_app(
    settings: Settings | None = None, *, clock: Callable[[], datetime] = utc_now
) -> FastAPI:
    """The API for ``settings`` (read from the environment when not given).

    Settings the service must not start with (production without a principals file, an
    encryption key or a signing key, a malformed key) raise a ValueError with one line, here.
    """
    settings = settings or Settings()
    settings.check()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.principals = load_principals(settings.principals_path)
        env = eventsourcing_env(settings)
        application = CaseTransferApplication(env, clock, index_key=settings.index_key)
        app.state.application = application
        engine = read_model_engine(settings)
        background = ledger_background = None
        try:
            application.check_key()  # a key that cannot read the store: no start
            prepare_schema(engine, env, upgrade=settings.create_tables)
            app.state.projector = Projector(application, engine)
            app.state.read_models = ReadModels(
                app.state.projector,
                timescales=settings.timescales,
                wait_seconds=settings.read_model_wait_seconds,
                clock=clock,
            )
            background = BackgroundProjection(
                app.state.projector, settings.projection_interval_seconds
            )
            background.start()
            ledger_projector = LedgerProjector(application, engine)
            app.state.checkpoints = Checkpoints(
                ledger_projector,
                signing_keys(settings),  # in development, made under ./var and logged
                clock=clock,
                wait_seconds=settings.read_model_wait_seconds,
            )
            ledger_background = BackgroundProjection(
                ledger_projector, settings.projection_interval_seconds, name="ledger"
            )
            ledger_background.start()
            yield
        finally:
            for thread in (ledger_background, background):
                if thread is not None:
                    thread.stop()
            engine.dispose()
            application.close()

    app = FastAPI(
        title="Case transfer service",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    register_problem_handlers(app, retry_after_seconds=settings.retry_after_seconds)
    for router in (
        authorities.router,
        cases.router,
        transfers.router,
        transfer_lists.router,
        worklist.router,
        events.router,
        access_log.router,
        ledger.router,
        health.router,
    ):
        app.include_router(router)
    mount_docs(app)
    # The MASH pages under /mash/ (not in the OpenAPI document).
    mount_mash(app, settings, govuk_frontend=settings.govuk_frontend_dir)
    _document_problems(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestLogging)  # added last: outermost, so a 413 carries the id too
    return app


def _document_problems(app: FastAPI) -> None:
    """Generate the OpenAPI document once, with problems under application/problem+json."""

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
