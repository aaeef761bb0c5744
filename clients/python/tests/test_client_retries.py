"""A retried change carries its first Idempotency-Key, so it is recorded once.

The service handles the first attempt each time; only its answer is lost (a 503 from
the front, or a reset connection from the proxy), which is when a retry without the
same key would record the step twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from client_steps import assess, open_case, propose
from client_support import DroppingProxy, Front, Service

from case_transfer_client import CaseTransferClient, RetryPolicy
from case_transfer_client.calls import retry_after

Connect = Callable[..., CaseTransferClient]


@pytest.fixture
def proxy(service: Service) -> Iterator[DroppingProxy]:
    server = DroppingProxy(service.url)
    yield server
    server.close()


def test_a_lost_answer_is_retried_after_retry_after_with_the_same_key(
    somerset: CaseTransferClient, front: Front
) -> None:
    front.lose = 1
    started = time.monotonic()
    case = open_case(somerset, reference="SOM-RETRIED")

    assert time.monotonic() - started >= 1.0  # the front's Retry-After: 1
    assert case.answered is not None and case.answered.replayed
    keys = [s.idempotency_key for s in front.seen if s.path == "/v1/cases"]
    assert len(keys) == 2 and keys[0] == keys[1] and keys[0]
    events = [e.type for e in somerset.history(case.case_id).events]
    assert events == ["CaseOpened"]
    found = somerset.iter_cases_by_local_reference("SOM-RETRIED")
    assert [c.case_id for c in found] == [case.case_id]


def test_a_reset_connection_is_retried_with_the_same_key(
    somerset: CaseTransferClient, connect: Connect, front: Front, proxy: DroppingProxy
) -> None:
    case = assess(somerset, open_case(somerset))
    through_proxy = connect("somerset", timeout=5)
    through_proxy.http.base_url = proxy.url
    proxy.drop = 1  # its first connection: the one the proposal is sent on

    proposed = propose(through_proxy, case)

    assert proxy.dropped == 1
    assert proposed.answered is not None and proposed.answered.replayed
    keys = [s.idempotency_key for s in front.seen if s.path.endswith("/transfers")]
    assert len(keys) == 2 and keys[0] == keys[1]
    events = [e.type for e in somerset.history(case.case_id).events]
    assert events.count("TransferProposed") == 1


def test_each_logical_call_has_its_own_key_unless_one_is_given(
    somerset: CaseTransferClient, front: Front
) -> None:
    case = open_case(somerset)
    somerset.record_local_reference(case.case_id, "SOM-A")
    somerset.record_local_reference(case.case_id, "SOM-B")
    first = somerset.record_local_reference(case.case_id, "SOM-C", idempotency_key="mine-1")
    again = somerset.record_local_reference(case.case_id, "SOM-C", idempotency_key="mine-1")

    keys = [s.idempotency_key for s in front.seen if s.path.endswith("/local-references")]
    assert len(set(keys[:3])) == 3 and keys[2:] == ["mine-1", "mine-1"]
    assert again.answered is not None and again.answered.replayed
    assert again.version == first.version


def test_a_read_is_retried_too_and_retry_after_is_capped(connect: Connect, front: Front) -> None:
    front.lose, front.retry_after = 2, "3600"
    client = connect("somerset", retry=RetryPolicy(attempts=3, backoff=0.01, max_delay=0.1))
    started = time.monotonic()
    assert client.list_authorities().items
    assert time.monotonic() - started < 5
    assert len(front.seen) == 3


def test_retry_after_is_read_as_seconds_or_an_http_date() -> None:
    assert retry_after("7") == 7.0
    later = format_datetime(datetime.now(tz=UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= (retry_after(later) or 0) <= 30
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after("soon") is None
