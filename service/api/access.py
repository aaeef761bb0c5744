"""Dependencies for the access log: record a read of a case, list who read one.

Each route that shows a case takes ``CaseReads`` and calls ``record`` once it has the
answer and before returning it, with the ids of the cases it shows. Recording (only
for MASH and auditor principals) names the route by its method and path template,
``GET /v1/cases/{case_id}/timeline``, so the log says what was seen without holding
anything a URL carried (an NHS number, a local reference).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request

from service.application import CaseTransferApplication
from service.audit.access_log import AccessLog
from service.domain.actors import Actor

from .deps import CurrentActor


def access_log_of(request: Request) -> AccessLog:
    """The access log on the lifespan's read-model engine, timed by the app's clock."""
    application: CaseTransferApplication = request.app.state.application
    return AccessLog(request.app.state.projector.engine, application.clock)


def route_template(request: Request, prefix: str = "") -> str:
    """``METHOD /path/{template}`` of the route serving ``request`` (``prefix``: its mount)."""
    route = request.scope.get("route")
    path = getattr(route, "path", None) or request.url.path
    return f"{request.method} {prefix}{path}"


@dataclass(frozen=True)
class CaseReadRecorder:
    """Records that the caller read cases by this route, before the answer is sent."""

    log: AccessLog
    actor: Actor
    route: str

    def record(self, *case_ids: UUID) -> None:
        """Record each case shown; raises (503) if it cannot, so nothing is served unrecorded."""
        self.log.record(self.actor, self.route, case_ids)


def _case_reads(request: Request, actor: CurrentActor) -> CaseReadRecorder:
    return CaseReadRecorder(access_log_of(request), actor, route_template(request))


def _access_log(request: Request) -> AccessLog:
    return access_log_of(request)


CaseReads = Annotated[CaseReadRecorder, Depends(_case_reads)]
AccessLogs = Annotated[AccessLog, Depends(_access_log)]
