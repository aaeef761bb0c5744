"""Route of /v1/access-log: who outside a case's authorities read it, newest first."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Query

from service.audit.access_log import DEFAULT_LIMIT, PRINCIPAL_MAX

from ..deps import AccessLogs, App, CurrentActor
from ..errors import problem_responses
from ..operations import api_router
from ..params import LIMIT_BOUNDS, Cursor
from ..schemas import AccessLogPage

router = api_router(prefix="/v1/access-log", tags=["audit"])


@router.get("", response_model=AccessLogPage, responses=problem_responses(403, 404))
def list_access_log(
    actor: CurrentActor,
    app: App,
    log: AccessLogs,
    case_id: Annotated[UUID | None, Query(description="Only reads of this case")] = None,
    principal: Annotated[
        str | None,
        Query(max_length=PRINCIPAL_MAX, description="Only reads by this principal (name)"),
    ] = None,
    cursor: Cursor = None,
    limit: Annotated[
        int,
        Query(
            description=f"Items per page; default {DEFAULT_LIMIT}", json_schema_extra=LIMIT_BOUNDS
        ),
    ] = DEFAULT_LIMIT,
) -> AccessLogPage:
    """Every read of a case by a MASH or auditor principal, newest first.

    Auditors list all reads, a case's or a principal's. An authority that is a party
    to a case may list who read that case (``case_id``, without ``principal``); a
    case it is not party to does not exist for it (404).
    """
    page = log.entries(actor, app, case_id=case_id, principal=principal, cursor=cursor, limit=limit)
    return AccessLogPage.of(page)
