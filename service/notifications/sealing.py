"""Signing secrets sealed at rest: a copy of the database is not a copy of the secrets.

The service must read a secret back to sign with it, so it is encrypted rather than
hashed: AES-GCM under a key derived from ``CASE_TRANSFER_ENCRYPTION_KEY``
(``adapters.keys.notification_secrets_key``), bound to its subscription's id so a
sealed secret copied to another row does not open. Without an encryption key
(development) secrets are kept in clear, as event payloads are.
"""

from __future__ import annotations

import base64
import os
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SEALED = "aesgcm:"


class SecretBox:
    """Seals and opens the signing secrets of subscriptions."""

    def __init__(self, key: bytes | None) -> None:
        self._aead = AESGCM(key) if key is not None else None

    def seal(self, secret: str, subscription_id: UUID) -> str:
        if self._aead is None:
            return secret
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, secret.encode("ascii"), subscription_id.bytes)
        return SEALED + base64.b64encode(nonce + sealed).decode("ascii")

    def open(self, stored: str, subscription_id: UUID) -> str:
        if not stored.startswith(SEALED):
            return stored
        if self._aead is None:
            raise ValueError("a sealed signing secret, and no encryption key to open it")
        raw = base64.b64decode(stored.removeprefix(SEALED))
        return self._aead.decrypt(raw[:12], raw[12:], subscription_id.bytes).decode("ascii")
