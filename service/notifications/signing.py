"""The Standard Webhooks signature scheme (symmetric, ``v1``), written to its spec.

The spec (github.com/standard-webhooks/standard-webhooks, spec/standard-webhooks.md):
a secret is 24 to 64 random bytes shown as ``whsec_`` + base64; the signed content is
``webhook-id.webhook-timestamp.body``; the signature is ``v1,`` + base64 of its
HMAC-SHA256 under the secret's decoded bytes; ``webhook-signature`` lists one per
secret, space-separated, so that during a rotation the old and the new both verify.
The id and the timestamp never contain a full stop. Tests check every signature with
the ``standardwebhooks`` package's own verifier.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from uuid import UUID

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    """A new signing secret: ``whsec_`` and base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def webhook_id(subscription_id: UUID, position: int) -> str:
    """The id of a subscription's notification of the event at ``position``: the same on
    every attempt, so that a receiver can drop the duplicates at-least-once brings."""
    digest = hashlib.sha256(f"{subscription_id}:{position}".encode("ascii")).digest()
    return "msg_" + base64.b32encode(digest[:20]).decode("ascii").lower()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256>`` of ``message_id.timestamp.body`` under ``secret``."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    content = f"{message_id}.{timestamp}.".encode("ascii") + body
    mac = hmac.new(key, content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode("ascii")


def signed_headers(
    secrets_in_use: Sequence[str], message_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The three ``webhook-*`` headers, one signature per secret in use."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            signature(secret, message_id, timestamp, body) for secret in secrets_in_use
        ),
    }
