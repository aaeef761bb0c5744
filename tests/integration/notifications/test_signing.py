"""The service's Standard Webhooks signatures, checked by the ``standardwebhooks`` package."""

from __future__ import annotations

import base64
import time
from uuid import uuid4

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from service.notifications.signing import new_secret, signature, signed_headers, webhook_id


def test_a_secret_is_whsec_and_base64_of_32_random_bytes() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert new_secret() != secret


def test_the_package_verifies_what_the_service_signs() -> None:
    secret, body = new_secret(), b'{"type":"CaseOpened","data":{"position":3}}'
    headers = signed_headers([secret], webhook_id(uuid4(), 3), int(time.time()), body)
    assert Webhook(secret).verify(body, headers) == {"type": "CaseOpened", "data": {"position": 3}}


def test_a_changed_body_or_another_secret_is_refused() -> None:
    secret, body = new_secret(), b'{"type":"CaseOpened"}'
    headers = signed_headers([secret], "msg_x", int(time.time()), body)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace(b"Opened", b"Closed"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)


def test_during_a_rotation_either_secret_verifies() -> None:
    old, new, body = new_secret(), new_secret(), b"{}"
    headers = signed_headers([new, old], "msg_y", int(time.time()), body)
    assert headers["webhook-signature"].count("v1,") == 2
    for secret in (old, new):
        Webhook(secret).verify(body, headers)


def test_matches_the_package_signature_byte_for_byte() -> None:
    from datetime import UTC, datetime

    secret, moment = new_secret(), 1_674_087_231
    theirs = Webhook(secret).sign("msg_z", datetime.fromtimestamp(moment, tz=UTC), "{}")
    assert signature(secret, "msg_z", moment, b"{}") == theirs


def test_the_webhook_id_is_stable_per_subscription_and_event_and_has_no_full_stop() -> None:
    subscription = uuid4()
    assert webhook_id(subscription, 7) == webhook_id(subscription, 7)
    assert webhook_id(subscription, 7) != webhook_id(subscription, 8)
    assert webhook_id(subscription, 7) != webhook_id(uuid4(), 7)
    assert "." not in webhook_id(subscription, 7)
