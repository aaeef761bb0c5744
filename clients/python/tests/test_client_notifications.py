"""verify_notification: the Standard Webhooks scheme, checked against vectors made here
with hmac directly, and against the scheme's own Python package."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook

from case_transfer_client import InvalidNotificationError, verify_notification
from case_transfer_client.notifications import sign_notification

KEY = bytes(range(32))
SECRET = "whsec_" + base64.b64encode(KEY).decode()
OTHER = "whsec_" + base64.b64encode(b"another key, rotated in....").decode()
BODY = json.dumps({"type": "ResponsibilityAccepted", "case_id": "c0ffee"}).encode()
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
STAMP = str(int(NOW.timestamp()))


def signature(key: bytes, message_id: str, timestamp: str, body: bytes) -> str:
    """Computed here from the scheme's text: base64 HMAC-SHA256 of id.timestamp.body."""
    digest = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(digest.digest()).decode()


def headers(sig: str, timestamp: str = STAMP, message_id: str = "msg_1") -> dict[str, str]:
    return {"Webhook-Id": message_id, "Webhook-Timestamp": timestamp, "Webhook-Signature": sig}


def test_a_signature_computed_independently_verifies() -> None:
    sig = signature(KEY, "msg_1", STAMP, BODY)
    assert verify_notification(headers(sig), BODY, SECRET, now=NOW) == json.loads(BODY)
    assert sign_notification("msg_1", int(STAMP), BODY, SECRET) == sig


def test_one_of_several_signatures_is_enough_during_a_rotation() -> None:
    old = signature(b"old key", "msg_1", STAMP, BODY)
    new = signature(KEY, "msg_1", STAMP, BODY)
    assert verify_notification(headers(f"v1a,xyz {old} {new}"), BODY, SECRET, now=NOW)
    both = [SECRET, OTHER]
    assert verify_notification(headers(new), BODY.decode(), both, now=NOW)


@pytest.mark.parametrize(
    ("changed", "why"),
    [
        ({"Webhook-Signature": "v1," + base64.b64encode(b"x" * 32).decode()}, "no signature"),
        ({"Webhook-Id": "msg_2"}, "no signature"),
        ({"Webhook-Timestamp": str(int(STAMP) - 301)}, "too old"),
        ({"Webhook-Timestamp": str(int(STAMP) + 301)}, "too new"),
        ({"Webhook-Timestamp": "soon"}, "whole seconds"),
        ({"Webhook-Timestamp": "9" * 30}, "out of range"),
    ],
)
def test_a_changed_header_does_not_verify(changed: dict[str, str], why: str) -> None:
    sent = headers(signature(KEY, "msg_1", STAMP, BODY)) | changed
    with pytest.raises(InvalidNotificationError, match=why):
        verify_notification(sent, BODY, SECRET, now=NOW)


def test_a_changed_body_a_missing_header_or_another_secret_does_not_verify() -> None:
    sent = headers(signature(KEY, "msg_1", STAMP, BODY))
    with pytest.raises(InvalidNotificationError):
        verify_notification(sent, BODY + b" ", SECRET, now=NOW)
    with pytest.raises(InvalidNotificationError, match="webhook-signature"):
        verify_notification({"webhook-id": "m", "webhook-timestamp": STAMP}, BODY, SECRET)
    with pytest.raises(InvalidNotificationError):
        verify_notification(sent, BODY, OTHER, now=NOW)
    with pytest.raises(InvalidNotificationError, match="secret"):
        verify_notification(sent, BODY, "whsec_not base64!", now=NOW)
    with pytest.raises(InvalidNotificationError, match="secret"):
        verify_notification(sent, BODY, "whsec_", now=NOW)
    unpadded = SECRET.rstrip("=")
    assert unpadded != SECRET and verify_notification(sent, BODY, unpadded, now=NOW)


def test_agrees_with_the_standardwebhooks_package_both_ways() -> None:
    now = datetime.now(tz=UTC)
    stamp = str(int(now.timestamp()))
    reference = Webhook(SECRET)
    theirs = reference.sign("msg_9", now, BODY.decode())
    assert verify_notification(headers(theirs, stamp, "msg_9"), BODY, SECRET)
    ours = sign_notification("msg_9", int(stamp), BODY, SECRET)
    assert ours == theirs
    assert reference.verify(BODY, headers(ours, stamp, "msg_9")) == json.loads(BODY)


def test_the_tolerance_is_five_minutes_by_default() -> None:
    sig = signature(KEY, "msg_1", STAMP, BODY)
    assert verify_notification(headers(sig), BODY, SECRET, now=NOW + timedelta(seconds=299))
    with pytest.raises(InvalidNotificationError):
        verify_notification(headers(sig), BODY, SECRET, now=NOW + timedelta(seconds=301))
