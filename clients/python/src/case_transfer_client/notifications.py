"""Verify a notification signed by the Standard Webhooks scheme, before trusting it.

The scheme (https://www.standardwebhooks.com/, "Verifying webhook authenticity"): the
sender signs ``{webhook-id}.{webhook-timestamp}.{body}`` with HMAC-SHA256 under the
subscription's secret (``whsec_`` and base64 of the key) and sends the signature as
``webhook-signature: v1,<base64>``; several space-separated signatures while a secret
is being rotated. A receiver checks one of them matches, in constant time, and that the
timestamp is within five minutes of its own clock (so a captured notification cannot be
replayed later). Notifications are delivered at least once: drop a ``webhook-id`` you
have already handled.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from .errors import InvalidNotificationError

SECRET_PREFIX = "whsec_"
TOLERANCE = timedelta(minutes=5)


def verify_notification(
    headers: Mapping[str, str],
    body: bytes | str,
    secret: str | Iterable[str],
    *,
    tolerance: timedelta = TOLERANCE,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The notification's JSON, once its signature and timestamp verify.

    ``headers`` as received (any mapping; names in any case), ``body`` the raw bytes
    as received (not re-serialised JSON), ``secret`` the subscription's signing secret,
    or several (the old and the new while you rotate it). Raises
    ``InvalidNotificationError`` when anything does not verify.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    try:
        message_id = lowered["webhook-id"]
        timestamp = lowered["webhook-timestamp"]
        signatures = lowered["webhook-signature"]
    except KeyError as missing:
        raise InvalidNotificationError(f"missing header {missing.args[0]}") from None
    _check_timestamp(timestamp, now or datetime.now(tz=UTC), tolerance)
    raw = body.encode() if isinstance(body, str) else body
    signed = f"{message_id}.{timestamp}.".encode() + raw
    secrets = [secret] if isinstance(secret, str) else list(secret)
    expected = [_signature(_key(s), signed) for s in secrets]
    for versioned in signatures.split():
        version, _, given = versioned.partition(",")
        if version == "v1" and any(hmac.compare_digest(given, e) for e in expected):
            return _payload(raw)
    raise InvalidNotificationError("no signature matches")


def sign_notification(message_id: str, timestamp: int, body: bytes, secret: str) -> str:
    """The ``webhook-signature`` value of a notification: for tests of your receiver."""
    return "v1," + _signature(_key(secret), f"{message_id}.{timestamp}.".encode() + body)


def _key(secret: str) -> bytes:
    """The key of a ``whsec_<base64>`` secret; its padding may be left off."""
    encoded = secret.removeprefix(SECRET_PREFIX).rstrip("=")
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not key:
        raise InvalidNotificationError("the secret is not whsec_ and base64 of a key")
    return key


def _signature(key: bytes, signed: bytes) -> str:
    return base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def _check_timestamp(timestamp: str, now: datetime, tolerance: timedelta) -> None:
    if not timestamp.isdigit():
        raise InvalidNotificationError("webhook-timestamp is not whole seconds since the epoch")
    try:
        sent = datetime.fromtimestamp(int(timestamp), tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise InvalidNotificationError("webhook-timestamp is out of range") from None
    if sent < now - tolerance:
        raise InvalidNotificationError("the notification's timestamp is too old")
    if sent > now + tolerance:
        raise InvalidNotificationError("the notification's timestamp is too new")


def _payload(raw: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidNotificationError("the body is not JSON") from None
    if not isinstance(payload, dict):
        raise InvalidNotificationError("the body is not a JSON object")
    return payload
