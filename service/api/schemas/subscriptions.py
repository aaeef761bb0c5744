"""Request and response bodies of /v1/subscriptions: endpoints, secrets, the delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from service.domain.notifications import EVENT_TYPES
from service.notifications.delivery_log import Delivery
from service.notifications.sending import Answer
from service.notifications.subscriptions import Made, Subscription

EventType = Literal[EVENT_TYPES]  # type: ignore[valid-type]


class SubscriptionRequest(BaseModel):
    """An endpoint to notify, and optionally which event types (default: all)."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        min_length=1,
        max_length=2000,
        description="https URL (http only to a loopback address in development)",
    )
    event_types: list[EventType] | None = Field(
        None, max_length=len(EVENT_TYPES), description="Only these event types; omit for all"
    )


class SubscriptionView(BaseModel):
    """A subscription (never its secret)."""

    subscription_id: UUID
    url: str
    event_types: list[str] | None
    status: Literal["active", "disabled", "ended"] = Field(
        description="disabled: failing too long; ended: the receiver answered 410 Gone"
    )
    status_reason: str | None = Field(description="Why it is not active")
    failing_since: datetime | None = Field(description="Deliveries have failed since then")
    previous_secret_until: datetime | None = Field(
        description="After a rotation: until then the previous secret also signs"
    )
    created_at: datetime
    created_by: str

    @classmethod
    def of(cls, subscription: Subscription) -> SubscriptionView:
        return cls.model_validate(subscription, from_attributes=True)


class SubscriptionWithSecret(SubscriptionView):
    """A subscription and its signing secret, shown this once: keep it."""

    secret: str = Field(description="whsec_ + base64 of 32 random bytes (Standard Webhooks)")

    @classmethod
    def made(cls, made: Made) -> SubscriptionWithSecret:
        return cls(**SubscriptionView.of(made.subscription).model_dump(), secret=made.secret)


class SubscriptionList(BaseModel):
    items: list[SubscriptionView]


class PingResult(BaseModel):
    """What came of a ping: whether the receiver answered 2xx, and how."""

    delivered: bool
    status_code: int | None
    latency_ms: float
    error: str | None

    @classmethod
    def of(cls, answer: Answer) -> PingResult:
        return cls(
            delivered=answer.delivered,
            status_code=answer.status_code,
            latency_ms=answer.latency_ms,
            error=answer.error,
        )


class AttemptView(BaseModel):
    attempt: int
    attempted_at: datetime
    status_code: int | None = Field(description="The receiver's status; null: no answer")
    latency_ms: float
    error: str | None = Field(description="What went wrong (first 200 characters of the answer)")


class DeliveryView(BaseModel):
    """One notification to this subscription, and every attempt to deliver it."""

    delivery_id: UUID
    webhook_id: str
    event_type: str
    case_id: UUID
    position: int
    case_version: int
    status: Literal["pending", "delivered", "failed", "cancelled"]
    scheduled_at: datetime
    next_attempt_at: datetime | None = Field(description="The next try, while pending")
    delivered_at: datetime | None
    attempts: list[AttemptView]

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryView:
        return cls.model_validate(delivery, from_attributes=True)


class DeliveryPage(BaseModel):
    items: list[DeliveryView]
    next: str | None = Field(description="Pass as cursor for the next page; null: the last")
