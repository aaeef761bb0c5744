"""Subscriptions through the client, told to a real receiver: registered, pinged,
listed, its secret rotated, its delivery log read, deleted. Every notification that
arrives is checked with ``verify_notification``, as a case system would."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from client_steps import open_case
from client_support import Receiver, wait_until

from case_transfer_client import (
    CaseTransferClient,
    ForbiddenError,
    NotFoundError,
    RuleRefusedError,
    verify_notification,
)
from case_transfer_client.subscription_models import DeliveryView


@pytest.fixture
def receiver(somerset: CaseTransferClient) -> Iterator[Receiver]:
    """A receiver; afterwards Somerset's subscriptions to it are deleted (so later tests'
    events are not sent to a closed port)."""
    made = Receiver()
    yield made
    for subscription in somerset.list_subscriptions().items:
        if subscription.url == made.url:
            somerset.delete_subscription(subscription.subscription_id)
    made.close()


def test_a_subscription_is_registered_pinged_listed_and_deleted(
    somerset: CaseTransferClient, receiver: Receiver
) -> None:
    made = somerset.register_subscription(receiver.url)
    assert made.secret.startswith("whsec_") and made.status == "active"
    assert made.answered is not None and made.answered.status_code == 201

    pinged = somerset.ping_subscription(made.subscription_id)
    assert (pinged.delivered, pinged.status_code, pinged.error) == (True, 204, None)
    ((headers, body),) = receiver.wait_for(1)
    ping = verify_notification(headers, body, made.secret)
    assert ping["type"] == "ping"
    assert ping["data"] == {"subscription_id": str(made.subscription_id)}

    listed = somerset.list_subscriptions()
    assert made.subscription_id in [s.subscription_id for s in listed.items]
    shown = somerset.get_subscription(made.subscription_id)
    assert (shown.url, shown.event_types, shown.status) == (receiver.url, None, "active")

    somerset.delete_subscription(made.subscription_id)
    with pytest.raises(NotFoundError) as gone:
        somerset.get_subscription(made.subscription_id)
    assert gone.value.code == "subscription-not-found"
    listed = somerset.list_subscriptions()
    assert made.subscription_id not in [s.subscription_id for s in listed.items]


def test_an_event_is_delivered_signed_logged_and_retried_by_hand(
    somerset: CaseTransferClient, receiver: Receiver
) -> None:
    receiver.failing = 1  # the first attempt is answered 500
    made = somerset.register_subscription(receiver.url, event_types=["CaseOpened"])
    case = open_case(somerset)
    receiver.wait_for(1)

    def attempts() -> list[DeliveryView]:
        return [d for d in somerset.iter_deliveries(made.subscription_id) if d.attempts]

    wait_until(lambda: bool(attempts()), "the failed attempt in the log")
    (failed,) = attempts()
    assert (failed.case_id, failed.event_type, failed.status) == (
        case.case_id,
        "CaseOpened",
        "pending",
    )
    assert [a.status_code for a in failed.attempts] == [500]
    retried = somerset.retry_delivery(made.subscription_id, failed.delivery_id)
    assert retried.status in {"pending", "delivered"}  # the worker may have sent it already

    headers, body = receiver.wait_for(2)[1]
    told = verify_notification(headers, body, made.secret)
    assert (told["type"], told["data"]["case_id"]) == ("CaseOpened", str(case.case_id))
    assert headers["webhook-id"] == failed.webhook_id  # the same on every attempt
    wait_until(lambda: attempts()[0].status == "delivered", "the delivery recorded")
    with pytest.raises(RuleRefusedError) as refused:
        somerset.retry_delivery(made.subscription_id, failed.delivery_id)
    assert refused.value.code == "delivery-delivered"


def test_a_rotated_secret_and_the_one_before_both_sign(
    somerset: CaseTransferClient, receiver: Receiver
) -> None:
    made = somerset.register_subscription(receiver.url, event_types=["CaseClosed"])
    rotated = somerset.rotate_subscription_secret(made.subscription_id)
    assert rotated.secret != made.secret and rotated.previous_secret_until is not None
    somerset.ping_subscription(made.subscription_id)
    ((headers, body),) = receiver.wait_for(1)
    assert verify_notification(headers, body, rotated.secret)["type"] == "ping"
    assert verify_notification(headers, body, made.secret)["type"] == "ping"


def test_subscriptions_are_for_authorities(connect: Callable[..., CaseTransferClient]) -> None:
    with pytest.raises(ForbiddenError) as refused:
        connect("auditor").list_subscriptions()
    assert refused.value.code == "subscriptions-not-for-role"
