"""Small steps the tests take through the client: a case, an assessment, a proposal."""

from __future__ import annotations

import random
from datetime import date, datetime
from uuid import uuid4
from zoneinfo import ZoneInfo

from case_transfer_client import CaseTransferClient
from case_transfer_client.models import CaseView


def today() -> date:
    """Today in London: the service's calendar."""
    return datetime.now(tz=ZoneInfo("Europe/London")).date()


def nhs_number() -> str:
    """A random NHS number with a valid Modulus 11 check digit."""
    while True:
        digits = [random.randint(0, 9) for _ in range(9)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check == 11:
            check = 0
        if check != 10 and len(set(digits)) > 1:
            return "".join(map(str, digits)) + str(check)


def open_case(client: CaseTransferClient, reference: str | None = None) -> CaseView:
    return client.open_case(
        local_reference=reference or f"REF-{uuid4().hex[:8]}",
        nhs_number=nhs_number(),
        date_of_birth=date(2019, 5, 4),
    )


def assess(client: CaseTransferClient, case: CaseView) -> CaseView:
    return client.record_assessment(
        case.case_id,
        completed_on=today(),
        factors=["3A", "8B"],
        primary_need_code="N1",
        summary="Neglect concerns; the family needs support with housing.",
    )


def propose(client: CaseTransferClient, case: CaseView, to: str = "801") -> CaseView:
    return client.propose_transfer(case.case_id, to_authority=to, reason="Family moved")


def transfer_id(case: CaseView) -> str:
    assert case.active_transfer is not None
    return str(case.active_transfer.transfer_id)
