"""GET /v1/authorities: the registry of English children's services authorities, and
each authority's caseload."""

from __future__ import annotations

from fastapi import Response

from service.domain.reference import authorities
from service.projections.queries import DEFAULT_LIMIT

from ..answers import list_responses, mark_position
from ..deps import App, CurrentActor, Lists
from ..errors import problem_responses
from ..operations import api_router
from ..params import Cursor, Instant, Limit
from ..schemas import AuthorityEntry, AuthorityList, AuthorityRef, Caseload, CaseView, utc

router = api_router(prefix="/v1/authorities", tags=["authorities"])


@router.get("", response_model=AuthorityList, responses=problem_responses())
def list_authorities(_: CurrentActor) -> AuthorityList:
    """Every authority a case can be opened by or transferred to."""
    return AuthorityList(
        items=[
            AuthorityEntry(
                code=a.code,
                name=a.name,
                gss_code=a.gss_code,
                region=a.region_name,
                region_gss_code=a.region_gss_code,
            )
            for a in authorities().values()
        ]
    )


@router.get("/{code}/caseload", response_model=Caseload, responses=list_responses(403))
def caseload(
    code: str,
    actor: CurrentActor,
    app: App,
    lists: Lists,
    response: Response,
    at: Instant = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Caseload:
    """The cases the authority is (or will be) responsible for at ``at``, in the order
    it became responsible.

    ``at`` may be in the future: a case handed over on an agreed date leaves one
    caseload and joins the other from its effective instant.
    """
    page = lists.caseload(actor, authority=code, status="open", at=at, cursor=cursor, limit=limit)
    mark_position(response, page)
    now = app.clock()
    return Caseload(
        authority=AuthorityRef.of(code),
        at=utc(at or now),
        items=[CaseView.of(case, now) for case in page.items],
        next=page.next_cursor,
    )
