"""The asynchronous client: the same routes, problems, retries and iterators, awaited."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import date

import pytest
from client_steps import nhs_number, today
from client_support import Front, Service

from case_transfer_client import (
    AsyncCaseTransferClient,
    RetryPolicy,
    RuleRefusedError,
    StaleVersionError,
)

pytestmark = pytest.mark.anyio
BORN = date(2019, 5, 4)
QUICK = RetryPolicy(attempts=3, backoff=0.05, max_delay=2.0)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def leeds(service: Service) -> AsyncIterator[AsyncCaseTransferClient]:
    async with AsyncCaseTransferClient(service.url, service.tokens["leeds"], retry=QUICK) as c:
        yield c


@pytest.fixture
async def bristol(service: Service) -> AsyncIterator[AsyncCaseTransferClient]:
    async with AsyncCaseTransferClient(service.url, service.tokens["bristol"], retry=QUICK) as c:
        yield c


async def test_a_case_is_opened_proposed_and_accepted(
    leeds: AsyncCaseTransferClient, bristol: AsyncCaseTransferClient
) -> None:
    case = await leeds.open_case(
        local_reference="LEE-A1", nhs_number=nhs_number(), date_of_birth=BORN
    )
    case = await leeds.record_assessment(
        case.case_id,
        completed_on=today(),
        factors=["3A"],
        primary_need_code="N1",
        summary="Needs support.",
    )
    with pytest.raises(StaleVersionError):
        await leeds.propose_transfer(
            case.case_id, to_authority="801", reason="Moved", expected_version=case.version - 1
        )
    proposed = await leeds.propose_transfer(
        case.case_id, to_authority="801", reason="Moved", expected_version=case.version
    )
    assert proposed.active_transfer is not None
    transfer = proposed.active_transfer.transfer_id
    with pytest.raises(RuleRefusedError) as refused:
        await bristol.accept_transfer(case.case_id, transfer)
    assert refused.value.code == "information-not-shared"

    await leeds.share_information(case.case_id, transfer, categories=["plan"], shared_on=today())
    await bristol.propose_transfer_date(case.case_id, transfer, today())
    await leeds.agree_transfer_date(case.case_id, transfer, today())
    accepted = await bristol.accept_transfer(case.case_id, transfer)

    assert accepted.responsible_authority is not None
    assert accepted.responsible_authority.code == "801"
    incoming = [t.case_id async for t in bristol.iter_transfers(stage="completed", limit=1)]
    assert case.case_id in incoming


async def test_a_lost_answer_is_retried_with_the_same_key(
    leeds: AsyncCaseTransferClient, front: Front
) -> None:
    front.lose = 1
    started = time.monotonic()
    case = await leeds.open_case(
        local_reference="LEE-A2", nhs_number=nhs_number(), date_of_birth=BORN
    )

    assert time.monotonic() - started >= 1.0
    assert case.answered is not None and case.answered.replayed
    keys = [s.idempotency_key for s in front.seen if s.path == "/v1/cases"]
    assert len(keys) == 2 and keys[0] == keys[1]
    assert [e.type for e in (await leeds.history(case.case_id)).events] == ["CaseOpened"]
