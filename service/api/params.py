"""The query parameters the routes share: instants, and the paging every list takes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from service.application.cursors import MAX_CURSOR_LENGTH, MAX_LIMIT
from service.projections.queries import DEFAULT_LIMIT

from .schemas import QueryInstant

Instant = Annotated[QueryInstant | None, Query(description="ISO 8601 with an offset; default now")]

Cursor = Annotated[
    str | None,
    Query(max_length=MAX_CURSOR_LENGTH, description="The `next` of the previous page, as it came"),
]
# The read models check the limit (code ``invalid-limit``); the bounds are documented here.
LIMIT_BOUNDS = {"minimum": 1, "maximum": MAX_LIMIT}
Limit = Annotated[int, Query(description="Items per page", json_schema_extra=LIMIT_BOUNDS)]
OptionalLimit = Annotated[
    int | None,
    Query(description=f"Items per page; default {DEFAULT_LIMIT}", json_schema_extra=LIMIT_BOUNDS),
]
"""A limit the route defaults itself (``limit if limit is not None else DEFAULT_LIMIT``)."""
