"""How a changed case is answered: the case view, its version as ETag, and replay markers."""

from __future__ import annotations

from fastapi import Response

from service.application import Outcome

from .schemas import CaseView


def case_answer(outcome: Outcome, response: Response, *, location: str | None = None) -> CaseView:
    """The new case view; a retried request is marked ``Idempotent-Replayed: true``."""
    response.headers["ETag"] = f'"{outcome.case.version}"'
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    if location is not None:
        response.headers["Location"] = location
    return CaseView.of(outcome.case, outcome.now)
