"""The views of /v1/subscriptions: endpoints told of case events, and their delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from .models import CursorPage, View


class SubscriptionView(View):
    """A subscription (never its secret)."""

    subscription_id: UUID
    url: str
    event_types: list[str] | None
    status: Literal["active", "disabled", "ended"]
    """disabled: failing too long; ended: the receiver answered 410 Gone."""
    status_reason: str | None
    failing_since: datetime | None
    previous_secret_until: datetime | None
    """After a rotation: until then the previous secret also signs."""
    created_at: datetime
    created_by: str


class SubscriptionWithSecret(SubscriptionView):
    """A subscription and its signing secret (``whsec_…``), shown this once: keep it."""

    secret: str


class SubscriptionList(View):
    items: list[SubscriptionView]


class PingResult(View):
    """What came of a ping: whether the receiver answered 2xx, and how."""

    delivered: bool
    status_code: int | None
    latency_ms: float
    error: str | None


class AttemptView(View):
    attempt: int
    attempted_at: datetime
    status_code: int | None
    latency_ms: float
    error: str | None


class DeliveryView(View):
    """One notification to a subscription, and every attempt to deliver it."""

    delivery_id: UUID
    webhook_id: str
    event_type: str
    case_id: UUID
    position: int
    case_version: int
    status: Literal["pending", "delivered", "failed", "cancelled"]
    scheduled_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    attempts: list[AttemptView]


class DeliveryPage(CursorPage[DeliveryView]):
    pass
