"""GET /v1/authorities: the registry of English children's services authorities."""

from __future__ import annotations

from fastapi import APIRouter

from service.domain.reference import authorities

from ..deps import CurrentActor
from ..problems import problem_responses
from ..schemas import AuthorityEntry, AuthorityList

router = APIRouter(prefix="/v1/authorities", tags=["authorities"])


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
