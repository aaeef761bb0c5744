"""The running service behind a request, and recording who read a case by which route.

A route that shows a case records, once it has the answer and before sending it, the
ids of the cases it shows (only MASH and auditor reads are kept: the access policy's
``reads_are_recorded``). The route is named by its method and path template,
``GET /v1/cases/{case_id}/timeline``, so the log says what was seen without holding
anything a URL carried (an NHS number, a local reference).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from starlette.requests import Request

from service.audit.access_log import AccessLog
from service.bootstrap import Service
from service.domain.actors import Actor
from service.domain.errors import DomainError

from .paths import route_template


def service_of(request: Request) -> Service:
    """The service the lifespan built; the MASH pages share the API's state."""
    service: Service = request.app.state.service
    return service


def route_of(request: Request) -> str:
    """``METHOD /path/{template}`` of the route serving ``request``, mounts included."""
    return f"{request.method} {route_template(request.scope) or '(no route)'}"


@dataclass(frozen=True)
class CaseReadRecorder:
    """Records that the caller read cases by this route, before the answer is sent."""

    log: AccessLog
    actor: Actor
    route: str

    def record(self, *case_ids: UUID) -> None:
        """Record each case shown; raises (503) if it cannot, so nothing is served unrecorded."""
        self.log.record(self.actor, self.route, case_ids)

    def record_disclosure(self, refusal: DomainError, case_id: UUID) -> None:
        """Record that ``refusal`` told the caller something about a case it is not a
        party to, before the refusal is sent; raises (503) if it cannot."""
        self.log.record_disclosure(self.actor, self.route, case_id, refusal.code)


def case_reads(request: Request, actor: Actor) -> CaseReadRecorder:
    """The recorder of reads by ``actor`` through the route serving ``request``."""
    return CaseReadRecorder(service_of(request).access_log, actor, route_of(request))
