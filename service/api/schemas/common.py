"""What every part of the API's bodies shares: limits, authorities, actors, instants.

Field names in the schemas are the contract LA systems code against (DESIGN.md, "API
contract"); string limits come from the domain so the two cannot drift.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from service.domain.reference import authorities
from service.domain.text import REFERENCE_MAX, TEXT_MAX

Reference = Annotated[str, Field(min_length=1, max_length=REFERENCE_MAX)]
Text = Annotated[str, Field(min_length=1, max_length=TEXT_MAX)]
Stage = Literal["proposed", "accepted", "completed", "declined", "withdrawn"]


class Body(BaseModel):
    """Request bodies refuse unknown fields: a typo must not be silently ignored."""

    model_config = ConfigDict(extra="forbid")


class AuthorityRef(BaseModel):
    code: str
    name: str

    @classmethod
    def of(cls, code: str) -> AuthorityRef:
        return cls(code=code, name=authorities()[code].name)

    @classmethod
    def maybe(cls, code: str | None) -> AuthorityRef | None:
        return cls.of(code) if code is not None else None


class AuthorityEntry(BaseModel):
    code: str
    name: str
    gss_code: str
    region: str
    region_gss_code: str


class AuthorityList(BaseModel):
    items: list[AuthorityEntry]


class Actor(BaseModel):
    name: str
    role: str
    authority: str | None


def _in_utc(instant: datetime) -> datetime:
    """An instant the API can compare and return: it must exist in UTC (years 1 to 9999)."""
    try:
        return instant.astimezone(UTC)
    except OverflowError:
        raise ValueError("the instant is out of range once converted to UTC") from None


def _written_as_a_date_time(value: Any) -> Any:
    """Only ISO 8601 text: pydantic would also read ``0.5`` as seconds since 1970, which
    the document (``format: date-time``) does not offer and no reader would mean."""
    if isinstance(value, str) and not ISO_DATE_TIME.match(value):
        raise ValueError("an instant is ISO 8601 with an offset, e.g. 2026-11-29T10:00:00Z")
    return value


ISO_DATE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ]")

# ``at`` and ``as_known_at`` must carry an offset: a bare local time is ambiguous.
QueryInstant = Annotated[
    AwareDatetime, BeforeValidator(_written_as_a_date_time), AfterValidator(_in_utc)
]


def utc(instant: datetime | None) -> Any:
    """Every instant the API returns is in UTC."""
    return instant.astimezone(UTC) if instant is not None else None
