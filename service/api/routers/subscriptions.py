"""Routes of /v1/subscriptions: signed notifications of case events to case systems and
partner agencies."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Header, Query, Response

from service.application.idempotency import check_key
from service.notifications.subscriptions import Made

from ..deps import CurrentActor, Notifications
from ..errors import problem_responses
from ..operations import api_router
from ..params import Cursor
from ..schemas.subscriptions import (
    DeliveryPage,
    DeliveryView,
    PingResult,
    SubscriptionList,
    SubscriptionRequest,
    SubscriptionView,
    SubscriptionWithSecret,
)

router = api_router(prefix="/v1/subscriptions", tags=["notifications"])


def _idempotency_key(
    idempotency_key: Annotated[
        str | None,
        Header(
            max_length=200,
            description="Retry safely: registering or rotating again with the same key "
            "answers as the first request did (Idempotent-Replayed: true); a ping or a retry "
            "may simply be repeated",
        ),
    ] = None,
) -> str | None:
    """The header checked as on every other route, though a ping or a retry ignores it."""
    return None if idempotency_key is None else check_key(idempotency_key)


IdempotencyKey = Annotated[str | None, Depends(_idempotency_key)]


def _answer(made: Made, response: Response) -> SubscriptionWithSecret:
    if made.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return SubscriptionWithSecret.made(made)


@router.post(
    "",
    status_code=201,
    response_model=SubscriptionWithSecret,
    responses=problem_responses(403),
)
def register(
    body: SubscriptionRequest,
    actor: CurrentActor,
    subscriptions: Notifications,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> SubscriptionWithSecret:
    """Register an endpoint; the answer holds its signing secret, shown this once.

    It is told of every event recorded from now on that its owner may see: an authority
    of the cases it is party to; a partner agency of the strategy discussions it is
    invited to and the professional differences it is a side of. 422
    ``endpoint-not-https``, ``endpoint-private-address``, ``endpoint-metadata-address``,
    ``endpoint-unresolvable``, ``endpoint-invalid-url``; 403 ``subscriptions-not-for-role``.
    """
    made = subscriptions.register(actor, body.url, body.event_types, idempotency_key)
    response.headers["Location"] = f"/v1/subscriptions/{made.subscription.subscription_id}"
    return _answer(made, response)


@router.get("", response_model=SubscriptionList, responses=problem_responses(403))
def list_subscriptions(actor: CurrentActor, subscriptions: Notifications) -> SubscriptionList:
    """Your authority's (or agency's) subscriptions, oldest first."""
    return SubscriptionList(items=[SubscriptionView.of(s) for s in subscriptions.owned(actor)])


@router.get(
    "/{subscription_id}", response_model=SubscriptionView, responses=problem_responses(403, 404)
)
def read(
    subscription_id: UUID, actor: CurrentActor, subscriptions: Notifications
) -> SubscriptionView:
    """One of your authority's (or agency's) subscriptions; another's is 404
    ``subscription-not-found``."""
    return SubscriptionView.of(subscriptions.get(actor, subscription_id))


@router.delete("/{subscription_id}", status_code=204, responses=problem_responses(403, 404))
def delete(subscription_id: UUID, actor: CurrentActor, subscriptions: Notifications) -> Response:
    """Stop notifying this endpoint; what was still to be sent is cancelled."""
    subscriptions.delete(actor, subscription_id)
    return Response(status_code=204)


@router.post(
    "/{subscription_id}/ping", response_model=PingResult, responses=problem_responses(403, 404)
)
def ping(
    subscription_id: UUID,
    actor: CurrentActor,
    subscriptions: Notifications,
    idempotency_key: IdempotencyKey = None,
) -> PingResult:
    """Send a signed ``ping`` notification now and say what the receiver answered."""
    return PingResult.of(subscriptions.ping(actor, subscription_id))


@router.post(
    "/{subscription_id}/secret-rotation",
    response_model=SubscriptionWithSecret,
    responses=problem_responses(403, 404),
)
def rotate_secret(
    subscription_id: UUID,
    actor: CurrentActor,
    subscriptions: Notifications,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> SubscriptionWithSecret:
    """A new signing secret, shown this once. Until ``previous_secret_until`` every
    notification carries both signatures, so receivers can switch without a gap."""
    return _answer(subscriptions.rotate_secret(actor, subscription_id, idempotency_key), response)


@router.get(
    "/{subscription_id}/deliveries",
    response_model=DeliveryPage,
    responses=problem_responses(403, 404),
)
def deliveries(
    subscription_id: UUID,
    actor: CurrentActor,
    subscriptions: Notifications,
    cursor: Cursor = None,
    limit: Annotated[
        int, Query(description="Items per page", json_schema_extra={"minimum": 1, "maximum": 100})
    ] = 50,
) -> DeliveryPage:
    """The delivery log, newest event first: each delivery's status, next try and attempts
    (status, latency, error)."""
    found, following = subscriptions.log.page(actor, subscription_id, cursor=cursor, limit=limit)
    return DeliveryPage(items=[DeliveryView.of(d) for d in found], next=following)


@router.post(
    "/{subscription_id}/deliveries/{delivery_id}/retry",
    response_model=DeliveryView,
    responses=problem_responses(403, 404, 409),
)
def retry(
    subscription_id: UUID,
    delivery_id: UUID,
    actor: CurrentActor,
    subscriptions: Notifications,
    idempotency_key: IdempotencyKey = None,
) -> DeliveryView:
    """Try a failed delivery again now (409 ``delivery-delivered``, ``delivery-cancelled``,
    ``subscription-not-active``)."""
    return DeliveryView.of(subscriptions.log.retry(actor, subscription_id, delivery_id))
