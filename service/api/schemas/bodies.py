"""Request bodies of the v1 API: each refuses unknown fields (``Body``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from pydantic import Field

from service.domain.text import LIST_MAX

from .common import Body, Reference, Text


class CaseOpening(Body):
    local_reference: Reference = Field(description="The opening authority's own case id")
    nhs_number: Annotated[str, Field(max_length=12)] | None = Field(
        None, description="10 digits, spaces allowed as 3-3-4; checked by its Modulus 11 digit"
    )
    date_of_birth: date | None = None
    expected_date_of_birth: date | None = Field(None, description="For an unborn child")


class LocalReference(Body):
    reference: Reference


class AssessmentRecord(Body):
    completed_on: date
    factors: Annotated[list[Annotated[str, Field(max_length=8)]], Field(max_length=LIST_MAX)] = (
        Field(description="CIN census assessment factor codes, e.g. 1A, 4B")
    )
    primary_need_code: Annotated[str, Field(max_length=8)] = Field(description="N0 to N9")
    summary: Text
    corrects: UUID | None = Field(None, description="The assessment this one corrects")


class TransferProposal(Body):
    to_authority: Annotated[str, Field(max_length=8)] = Field(description="DfE code, e.g. '801'")
    reason: Text


class InformationShareRecord(Body):
    categories: Annotated[list[Reference], Field(min_length=1, max_length=LIST_MAX)]
    references: Annotated[list[Reference], Field(max_length=LIST_MAX)] = []  # noqa: RUF012 (pydantic copies it)
    shared_on: date
    note: Text | None = None


class TransferDate(Body):
    date: date


class Reason(Body):
    reason: Text


class Closure(Body):
    reason_code: Annotated[str, Field(max_length=8)] = Field(description="RC1 to RC9")
