"""Route of /v1/events: the event feed, every case event in log order, for auditors."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from service.audit import feed

from ..deps import App, CurrentActor
from ..errors import problem_responses
from ..operations import api_router
from ..schemas import EventFeed

router = api_router(prefix="/v1/events", tags=["audit"])


@router.get("", response_model=EventFeed, responses=problem_responses(403))
def event_feed(
    actor: CurrentActor,
    app: App,
    after: Annotated[
        int | None,
        Query(
            description="The `last_position` of the previous page; omit to start at the "
            "beginning of the log",
            json_schema_extra={"minimum": 0, "maximum": feed.MAX_POSITION},
        ),
    ] = None,
    limit: Annotated[
        int,
        Query(
            description=f"Events per page, 1 to {feed.MAX_LIMIT}",
            json_schema_extra={"minimum": 1, "maximum": feed.MAX_LIMIT},
        ),
    ] = feed.DEFAULT_LIMIT,
) -> EventFeed:
    """Every event of every case, in log order, after position ``after``; for auditors.

    Positions are the log's own and never change. Following the feed (each time from
    the last page's ``last_position``) while cases change never skips or repeats an
    event. ``next`` is set when more events may follow at once; when it is null the
    feed has caught up: poll again later from ``last_position``.
    """
    return EventFeed.of(feed.read_feed(app, actor, after=after, limit=limit))
