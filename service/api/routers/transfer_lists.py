"""GET /v1/transfers: the transfers an authority is party to, across its cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from service.projections.queries import DEFAULT_LIMIT, DIRECTIONS, TRANSFER_STAGES

from ..answers import list_responses, mark_position
from ..deps import App, CurrentActor, Lists
from ..operations import api_router
from ..params import Cursor, Limit
from ..schemas import TransferList, TransferListItem

router = api_router(prefix="/v1/transfers", tags=["transfers"])


@router.get("", response_model=TransferList, responses=list_responses(403))
def list_transfers(
    actor: CurrentActor,
    app: App,
    lists: Lists,
    response: Response,
    authority: Annotated[
        str | None,
        Query(max_length=8, description="Whose transfers; default your own (auditors name one)"),
    ] = None,
    direction: Annotated[
        str | None,
        Query(max_length=16, description=f"One of {', '.join(DIRECTIONS)}; default both"),
    ] = None,
    stage: Annotated[
        str | None,
        Query(
            max_length=16,
            description=f"One of {', '.join(TRANSFER_STAGES)}; default those in flight: "
            "proposed, or accepted and not yet effective",
        ),
    ] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> TransferList:
    """Transfers to (incoming) or from (outgoing) an authority, each with its case id,
    oldest proposal first."""
    page = lists.transfers(
        actor, authority=authority, direction=direction, stage=stage, cursor=cursor, limit=limit
    )
    mark_position(response, page)
    now = app.clock()
    return TransferList(
        items=[TransferListItem.of(e.case, e.transfer, now) for e in page.items],
        next=page.next_cursor,
    )
