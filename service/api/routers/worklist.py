"""GET /v1/worklist: what an authority must do next across its cases, and by when."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from service.domain.actors import PARTNER
from service.domain.calendar import london_date
from service.projections.queries import DEFAULT_LIMIT

from ..answers import list_responses, mark_position
from ..deps import App, CurrentActor, Lists
from ..operations import api_router
from ..params import Cursor, Limit
from ..schemas import AuthorityRef, WorkItemView, Worklist

router = api_router(prefix="/v1/worklist", tags=["worklist"])


@router.get("", response_model=Worklist, responses=list_responses(403))
def worklist(
    actor: CurrentActor,
    app: App,
    lists: Lists,
    response: Response,
    authority: Annotated[
        str | None,
        Query(max_length=8, description="Whose worklist; default your own (auditors name one)"),
    ] = None,
    overdue: Annotated[bool, Query(description="Only the items past their due date")] = False,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Worklist:
    """The steps an authority owes on transfers and hand-overs, and an authority or a
    partner agency owes on strategy discussions and professional differences, soonest
    due first.

    Due dates count working days on the England and Wales calendar; an item is overdue
    from the day after its due date (London). A step known in advance (a hand-over on an
    agreed date) appears only from the day it can be acted on.
    """
    page = lists.worklist(
        actor, authority=authority, overdue_only=overdue, cursor=cursor, limit=limit
    )
    mark_position(response, page)
    assert page.authority is not None  # the worklist is always one authority's or agency's
    is_authority = actor.role != PARTNER
    return Worklist(
        authority=AuthorityRef.of(page.authority) if is_authority else None,
        agency=None if is_authority else page.authority,
        today=london_date(app.clock()),
        items=[WorkItemView.of(entry) for entry in page.items],
        next=page.next_cursor,
    )
