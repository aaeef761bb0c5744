"""The routes of /v1/subscriptions: your case system's endpoints, told of case events.

Register an endpoint and keep the secret the answer holds (shown this once): check
every notification with ``verify_notification(headers, body, secret)``. Subscriptions
are for authority principals, shared by every principal of the authority.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from . import subscription_models as s
from .calls import Call, read_nothing, reader
from .case_routes import Id


def subscription_path(subscription_id: Id, *tail: str) -> str:
    return "/".join((f"/v1/subscriptions/{UUID(str(subscription_id))}", *tail))


def register_subscription(
    url: str, *, event_types: Sequence[str] | None = None, idempotency_key: str | None = None
) -> Call[s.SubscriptionWithSecret]:
    """Register an endpoint told of every event recorded from now on of the cases your
    authority is party to (only ``event_types``, e.g. ["ResponsibilityAccepted"], if
    given). The answer's ``secret`` is shown this once. Production takes https only."""
    body = {"url": url, "event_types": None if event_types is None else list(event_types)}
    read = reader(s.SubscriptionWithSecret)
    return Call("POST", "/v1/subscriptions", read, body=body, idempotency_key=idempotency_key)


def list_subscriptions() -> Call[s.SubscriptionList]:
    """Your authority's subscriptions, oldest first."""
    return Call("GET", "/v1/subscriptions", reader(s.SubscriptionList))


def get_subscription(subscription_id: Id) -> Call[s.SubscriptionView]:
    """One of your authority's subscriptions: its status and why, failing since when."""
    return Call("GET", subscription_path(subscription_id), reader(s.SubscriptionView))


def delete_subscription(subscription_id: Id) -> Call[None]:
    """Stop notifying this endpoint; what was still to be sent is cancelled."""
    return Call("DELETE", subscription_path(subscription_id), read_nothing)


def ping_subscription(subscription_id: Id) -> Call[s.PingResult]:
    """Send a signed ``ping`` notification now and say what the receiver answered."""
    path = subscription_path(subscription_id, "ping")
    return Call("POST", path, reader(s.PingResult))


def rotate_subscription_secret(
    subscription_id: Id, *, idempotency_key: str | None = None
) -> Call[s.SubscriptionWithSecret]:
    """A new signing secret, shown this once; until ``previous_secret_until`` each
    notification carries both signatures (pass both secrets to ``verify_notification``)."""
    path = subscription_path(subscription_id, "secret-rotation")
    read = reader(s.SubscriptionWithSecret)
    return Call("POST", path, read, idempotency_key=idempotency_key)


def deliveries(
    subscription_id: Id, *, cursor: str | None = None, limit: int | None = None
) -> Call[s.DeliveryPage]:
    """The delivery log, newest event first: each delivery's status, next try and every
    attempt (status, latency, error)."""
    path = subscription_path(subscription_id, "deliveries")
    return Call("GET", path, reader(s.DeliveryPage), {"cursor": cursor, "limit": limit})


def retry_delivery(subscription_id: Id, delivery_id: Id) -> Call[s.DeliveryView]:
    """Try a failed delivery again now (``RuleRefusedError`` ``delivery-delivered``,
    ``delivery-cancelled``, ``subscription-not-active``)."""
    path = subscription_path(subscription_id, "deliveries", str(UUID(str(delivery_id))), "retry")
    return Call("POST", path, reader(s.DeliveryView))
