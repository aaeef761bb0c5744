"""Liveness and readiness, for load balancers and orchestrators (no token needed)."""

from __future__ import annotations

from pydantic import BaseModel

from ..deps import App
from ..errors import problem_responses
from ..operations import api_router

router = api_router(prefix="/health", tags=["health"])


class Health(BaseModel):
    status: str


@router.get("/live", response_model=Health)
async def live() -> Health:  # async: never queued behind requests waiting on the store
    """The process is up and answering."""
    return Health(status="live")


@router.get("/ready", response_model=Health, responses=problem_responses(503, base=()))
def ready(app: App) -> Health:
    """The store answers; a 503 problem otherwise."""
    app.check_store()
    return Health(status="ready")
