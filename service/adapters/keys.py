"""The one secret an operator manages, and the keys derived from it.

``CASE_TRANSFER_ENCRYPTION_KEY`` is an AES key (base64 of 16, 24 or 32 bytes) that
eventsourcing's ``AESCipher`` uses to encrypt every stored event's payload with AES-GCM.
The child index's key is derived from it (an HMAC of a fixed label), so the NHS-number
index cannot be rebuilt from a list of candidate numbers without the key, and operators
still keep only one secret.

Without an encryption key (development) payloads are stored in clear and the index is
keyed with a fixed, public development key: anyone can recompute those index ids, which
is acceptable only for data that is not real.

There is no key rotation yet. A different key cannot decrypt the events already stored,
and it derives a different index key, so every existing child-index entry becomes
unfindable (an NHS-number lookup answers "no cases", and a second open case for the
same child is no longer refused).
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
from base64 import b64decode

from pydantic import SecretStr

ENCRYPTION_KEY_VARIABLE = "CASE_TRANSFER_ENCRYPTION_KEY"
KEY_SIZES = (16, 24, 32)
NEW_KEY_BYTES = 32

# Public on purpose: used only when no encryption key is set, i.e. in development.
DEVELOPMENT_INDEX_KEY = b"case-transfer-service development child index key (not secret)"
_INDEX_KEY_LABEL = b"case-transfer-service/child-index/v1"
_SECRETS_KEY_LABEL = b"case-transfer-service/notification-secrets/v1"


class EncryptionKeyError(ValueError):
    """Raised when the encryption key is not base64 of 16, 24 or 32 bytes."""


def new_encryption_key() -> str:
    """A new random 256-bit key, in the form eventsourcing's ``AESCipher`` reads."""
    from eventsourcing.cryptography import AESCipher

    return AESCipher.create_key(NEW_KEY_BYTES)


def decode_encryption_key(key: SecretStr) -> bytes:
    """The key's bytes; the message of a refusal never repeats the key."""
    try:
        raw = b64decode(key.get_secret_value().strip().encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raw = b""
    if len(raw) not in KEY_SIZES:
        raise EncryptionKeyError(
            f"{ENCRYPTION_KEY_VARIABLE} must be base64 of 16, 24 or 32 random bytes "
            "(make one with `case-transfer keygen`)"
        )
    return raw


def cipher_environment(key: SecretStr | None) -> dict[str, str]:
    """The eventsourcing settings that turn AES-GCM encryption of payloads on, or off.

    Off is stated explicitly, so a ``CIPHER_KEY`` left in the process environment
    cannot switch encryption on behind the settings' back.
    """
    if key is None:
        return {"CIPHER_TOPIC": "", "CIPHER_KEY": ""}
    decode_encryption_key(key)
    return {
        "CIPHER_TOPIC": "service.adapters.cipher:KeptKeyAESCipher",  # the library's format
        "CIPHER_KEY": key.get_secret_value().strip(),
    }


def child_index_key(key: SecretStr | None) -> bytes:
    """The key of the child index's keyed hash: derived from the encryption key.

    Without an encryption key this is the public ``DEVELOPMENT_INDEX_KEY``.
    """
    if key is None:
        return DEVELOPMENT_INDEX_KEY
    return hmac.new(decode_encryption_key(key), _INDEX_KEY_LABEL, hashlib.sha256).digest()


def notification_secrets_key(key: SecretStr | None) -> bytes | None:
    """The AES key that seals notification signing secrets at rest: derived from the
    encryption key; None (secrets kept in clear) without one, in development."""
    if key is None:
        return None
    return hmac.new(decode_encryption_key(key), _SECRETS_KEY_LABEL, hashlib.sha256).digest()
