"""Each family of problems raises its own exception, carrying the service's code."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import uuid4

import pytest
from client_steps import assess, nhs_number, open_case, propose, transfer_id
from client_support import Front

from case_transfer_client import (
    NO_RETRIES,
    CaseTransferClient,
    ForbiddenError,
    InvalidRequestError,
    NotFoundError,
    PayloadTooLargeError,
    ProblemError,
    RetryPolicy,
    RuleRefusedError,
    ServiceUnreachableError,
    StaleVersionError,
    UnauthenticatedError,
    UnavailableError,
)

Connect = Callable[..., CaseTransferClient]


def test_no_token_or_an_unknown_one_is_unauthenticated(connect: Connect) -> None:
    unknown = connect("somerset")
    unknown.headers["Authorization"] = "Bearer not-a-token"
    for client in (connect("nobody"), unknown):
        with pytest.raises(UnauthenticatedError) as raised:
            client.list_authorities()
        assert raised.value.code == "unauthenticated"
        assert raised.value.status == 401
        assert raised.value.request_id


def test_a_role_that_may_not_write_is_forbidden(connect: Connect) -> None:
    with pytest.raises(ForbiddenError) as raised:
        open_case(connect("auditor"))
    assert raised.value.status == 403
    assert raised.value.code
    with pytest.raises(ForbiddenError) as listing:
        connect("mash").list_transfers()
    assert listing.value.code == "lists-not-for-mash"


def test_a_case_nobody_opened_is_not_found(somerset: CaseTransferClient) -> None:
    with pytest.raises(NotFoundError) as raised:
        somerset.get_case(uuid4())
    assert raised.value.code == "case-not-found"


def test_a_case_that_is_not_yours_is_not_found(
    somerset: CaseTransferClient, connect: Connect
) -> None:
    case = open_case(somerset)
    with pytest.raises(NotFoundError):
        connect("leeds").history(case.case_id)


def test_a_step_a_rule_refuses_names_the_rule(
    somerset: CaseTransferClient, bristol: CaseTransferClient
) -> None:
    case = open_case(somerset)
    proposed = propose(somerset, case)
    with pytest.raises(RuleRefusedError) as raised:
        bristol.accept_transfer(case.case_id, transfer_id(proposed))
    assert raised.value.status == 409
    assert raised.value.code in {"assessment-required", "information-not-shared"}


def test_a_second_open_case_names_the_responsible_authority(
    somerset: CaseTransferClient, bristol: CaseTransferClient
) -> None:
    child = nhs_number()
    born = date(2020, 1, 2)
    somerset.open_case(local_reference="SOM-1", nhs_number=child, date_of_birth=born)
    with pytest.raises(RuleRefusedError) as raised:
        bristol.open_case(local_reference="BRI-1", nhs_number=child, date_of_birth=born)
    assert raised.value.code == "child-has-open-case"
    assert raised.value.problem.responsible_authority is not None
    assert raised.value.problem.responsible_authority.code == "933"


def test_a_stale_expected_version_is_refused_and_a_current_one_accepted(
    somerset: CaseTransferClient, front: Front
) -> None:
    case = open_case(somerset)
    assessed = assess(somerset, case)
    with pytest.raises(StaleVersionError) as raised:
        somerset.record_local_reference(case.case_id, "SOM-9", expected_version=case.version)
    assert raised.value.status == 412
    assert raised.value.code == "version-mismatch"

    recorded = somerset.record_local_reference(
        case.case_id, "SOM-9", expected_version=assessed.version
    )
    assert recorded.version == assessed.version + 1
    assert recorded.answered is not None and recorded.answered.etag == f'"{recorded.version}"'
    sent = [s.if_match for s in front.seen if s.path.endswith("/local-references")]
    assert sent == [f'"{case.version}"', f'"{assessed.version}"']


def test_malformed_input_is_invalid_with_the_field(somerset: CaseTransferClient) -> None:
    with pytest.raises(InvalidRequestError) as raised:
        somerset.open_case(local_reference="SOM-1", nhs_number="1234567890")
    assert raised.value.status == 422
    assert raised.value.code == "invalid-nhs-number"
    with pytest.raises(InvalidRequestError) as missing:
        somerset.propose_transfer(open_case(somerset).case_id, to_authority="801", reason="")
    assert missing.value.code == "invalid-request"
    assert missing.value.problem.errors


def test_a_body_too_large_is_refused(somerset: CaseTransferClient) -> None:
    case = open_case(somerset)
    with pytest.raises(PayloadTooLargeError) as raised:
        somerset.record_assessment(
            case.case_id,
            completed_on=case.opened_at.date(),
            factors=["3A"],
            primary_need_code="N1",
            summary="x" * 2_000_000,
        )
    assert raised.value.status == 413


def test_unavailable_once_the_retries_are_spent(connect: Connect, front: Front) -> None:
    front.lose, front.retry_after = 5, "0"
    client = connect("somerset", retry=RetryPolicy(attempts=2, backoff=0.01))
    with pytest.raises(UnavailableError) as raised:
        client.list_authorities()
    assert raised.value.code == "store-unavailable"
    assert len(front.seen) == 2


def test_a_status_no_family_covers_is_a_problem_error(somerset: CaseTransferClient) -> None:
    from case_transfer_client.calls import Call, reader
    from case_transfer_client.models import Health

    with pytest.raises(ProblemError) as raised:
        somerset.send(Call("DELETE", "/v1/authorities", reader(Health)))
    assert (raised.value.status, raised.value.code) == (405, "method-not-allowed")


def test_a_service_that_cannot_be_reached_is_unreachable(connect: Connect) -> None:
    client = connect(retry=RetryPolicy(attempts=2, backoff=0.01), timeout=2)
    client.http.base_url = "http://127.0.0.1:9"  # the discard port: nothing listens
    with pytest.raises(ServiceUnreachableError) as raised:
        client.open_case(local_reference="SOM-1")
    assert raised.value.request.headers["Idempotency-Key"]
    assert NO_RETRIES.attempts == 1
