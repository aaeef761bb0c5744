"""How answers are marked: a changed case's view, ETag and replay marker, and the
``X-Log-Position`` every write and list answers with.

A list is read from the read models, which follow the event log; the header says how
far along the log they were, so a case system can tell its own writes are included.
"""

from __future__ import annotations

from typing import Any

from fastapi import Response

from service.application import Outcome
from service.projections.queries import Page

from .errors import problem_responses
from .schemas import CaseView

LOG_POSITION = "X-Log-Position"
"""The event log's position a response reflects: a write's own position on a POST, the
read models' position on a list (at least that of every write before the request)."""


def case_answer(outcome: Outcome, response: Response, *, location: str | None = None) -> CaseView:
    """The new case view; a retried request is marked ``Idempotent-Replayed: true``."""
    mark_change(outcome, response, location=location)
    return CaseView.of(outcome.case, outcome.now)


def mark_change(outcome: Outcome, response: Response, *, location: str | None = None) -> None:
    """The case's new version (ETag), the log position reached, whether this answers a
    retry, and where what was created is."""
    response.headers["ETag"] = f'"{outcome.case.version}"'
    response.headers[LOG_POSITION] = str(outcome.position)
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    if location is not None:
        response.headers["Location"] = location


def list_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI documentation of a list: its ``X-Log-Position`` header and its problems."""
    header = {
        "description": "The event log position the list reflects: at least that of every "
        "write answered before this request (compare a POST's X-Log-Position)",
        "schema": {"type": "integer", "minimum": 0},
    }
    return {200: {"headers": {LOG_POSITION: header}}, **problem_responses(*statuses)}


def mark_position(response: Response, page: Page[Any]) -> None:
    """Tell the caller which log position the page was read at."""
    response.headers[LOG_POSITION] = str(page.position)
