"""How a changed case is answered: the case view, its version as ETag, and replay markers."""

from __future__ import annotations

from fastapi import Response

from service.application import Outcome

from .schemas import CaseView

LOG_POSITION = "X-Log-Position"
"""The event log's position a response reflects: a write's own position on a POST, the
read models' position on a list (at least that of every write before the request)."""


def case_answer(outcome: Outcome, response: Response, *, location: str | None = None) -> CaseView:
    """The new case view; a retried request is marked ``Idempotent-Replayed: true``."""
    response.headers["ETag"] = f'"{outcome.case.version}"'
    response.headers[LOG_POSITION] = str(outcome.position)
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    if location is not None:
        response.headers["Location"] = location
    return CaseView.of(outcome.case, outcome.now)
