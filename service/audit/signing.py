"""Signed checkpoints of the ledger: Ed25519 keys, signing and checking signatures.

A checkpoint says "the chain over every event up to ``position`` was ``chain_hash``",
signed by the service. A partner authority that keeps the checkpoints it was given
can later prove, to anyone holding the public key, what the record was at that
position: an operator who rewrites the store *and* the ledger cannot re-sign old
checkpoints without the private key, and cannot recall the copies partners hold.

The signature is Ed25519 over the canonical JSON (``chain.canonical_json``) of
``{"chain_hash", "issued_at", "key_id", "position"}``; ``key_id`` is the first 16
hex digits of SHA-256 of the raw 32-byte public key, so a verifier picks the key
without trying each. ``CASE_TRANSFER_SIGNING_KEY`` is base64 of the 32-byte private
seed. After a key change the old public key goes in
``CASE_TRANSFER_SIGNING_RETIRED_PUBLIC_KEYS``, so checkpoints it signed still verify.
In development, with no key set, one is made in a 0600 file under ./var.
"""

from __future__ import annotations

import binascii
import hashlib
import os
import secrets
from base64 import b64decode, b64encode
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from pydantic import SecretStr

from .chain import canonical_json, utc_text

ALGORITHM = "Ed25519"
SIGNING_KEY_VARIABLE = "CASE_TRANSFER_SIGNING_KEY"
RETIRED_KEYS_VARIABLE = "CASE_TRANSFER_SIGNING_RETIRED_PUBLIC_KEYS"
DEVELOPMENT_SIGNING_KEY_FILE = Path("var/signing-key.development")
_DEVELOPMENT_HEADER = "# Development only: signs ledger checkpoints. Never use it in production.\n"


class SigningKeyError(ValueError):
    """Raised when a signing key or a retired public key is not base64 of 32 bytes."""


class CheckpointError(ValueError):
    """Raised when a checkpoint is malformed (an operator's mistake, not tampering)."""


class CheckpointRefusedError(Exception):
    """Raised when a checkpoint's signature does not verify with any key the service knows."""


def new_signing_key() -> str:
    """A new Ed25519 private seed, base64, as ``CASE_TRANSFER_SIGNING_KEY`` reads it."""
    return b64encode(Ed25519PrivateKey.generate().private_bytes_raw()).decode("ascii")


def _raw32(text: str, what: str) -> bytes:
    try:
        raw = b64decode(text.strip().encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raw = b""
    if len(raw) != 32:
        raise SigningKeyError(
            f"{what} must be base64 of 32 bytes (make one with `case-transfer signing-keygen`)"
        )
    return raw


def decode_signing_key(key: SecretStr) -> Ed25519PrivateKey:
    """The private key; the message of a refusal never repeats the key."""
    return Ed25519PrivateKey.from_private_bytes(
        _raw32(key.get_secret_value(), SIGNING_KEY_VARIABLE)
    )


def decode_public_keys(text: str | None) -> tuple[Ed25519PublicKey, ...]:
    """Comma-separated base64 raw public keys (the retired ones); blank entries ignored."""
    parts = [part for part in (text or "").split(",") if part.strip()]
    return tuple(
        Ed25519PublicKey.from_public_bytes(_raw32(part, RETIRED_KEYS_VARIABLE)) for part in parts
    )


def public_key_text(public: Ed25519PublicKey) -> str:
    """The raw 32-byte public key, base64: how /v1/ledger/keys publishes it."""
    return b64encode(public.public_bytes_raw()).decode("ascii")


def key_id(public: Ed25519PublicKey) -> str:
    """First 16 hex digits of SHA-256 of the raw public key."""
    return hashlib.sha256(public.public_bytes_raw()).hexdigest()[:16]


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement of the chain at a position, as the checkpoint route returns it."""

    position: int
    chain_hash: str
    issued_at: str
    key_id: str
    signature: str

    def signed_bytes(self) -> bytes:
        """Exactly what the signature covers: every field but the signature, canonically."""
        return canonical_json(
            {
                "position": self.position,
                "chain_hash": self.chain_hash,
                "issued_at": self.issued_at,
                "key_id": self.key_id,
            }
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, value: Any) -> Checkpoint:
        """A checkpoint as a partner kept it; CheckpointError if it is not one at all."""
        if not isinstance(value, dict):
            raise CheckpointError("a checkpoint is a JSON object")
        fields = {
            "position": int,
            "chain_hash": str,
            "issued_at": str,
            "key_id": str,
            "signature": str,
        }
        for name, kind in fields.items():
            if not isinstance(value.get(name), kind) or isinstance(value.get(name), bool):
                raise CheckpointError(f"a checkpoint needs {name!r} ({kind.__name__})")
        chain_hash = value["chain_hash"]
        if len(chain_hash) != 64 or any(c not in "0123456789abcdef" for c in chain_hash):
            raise CheckpointError("a checkpoint's chain_hash is 64 lower-case hex digits")
        if value["position"] < 0:
            raise CheckpointError("a checkpoint's position is not negative")
        return cls(**{name: value[name] for name in fields})


@dataclass(frozen=True)
class PublishedKey:
    """A public key as /v1/ledger/keys lists it."""

    key_id: str
    public_key: str
    current: bool
    algorithm: str = ALGORITHM


class SigningKeys:
    """The current signing key (absent where only verifying) and the retired public keys."""

    def __init__(
        self, private: Ed25519PrivateKey | None, retired: Sequence[Ed25519PublicKey] = ()
    ) -> None:
        self.private = private
        self.current = private.public_key() if private is not None else None
        self.retired = tuple(retired)

    def published(self) -> list[PublishedKey]:
        """The current key first, then the retired ones; each key once."""
        keys = [] if self.current is None else [(self.current, True)]
        keys += [(public, False) for public in self.retired]
        seen: set[str] = set()
        listed = []
        for public, current in keys:
            if key_id(public) not in seen:
                seen.add(key_id(public))
                listed.append(PublishedKey(key_id(public), public_key_text(public), current))
        return listed

    def sign(self, position: int, chain_hash: bytes, issued_at: datetime) -> Checkpoint:
        if self.private is None or self.current is None:
            raise SigningKeyError(f"no {SIGNING_KEY_VARIABLE}: this process cannot sign")
        unsigned = Checkpoint(
            position, chain_hash.hex(), utc_text(issued_at), key_id(self.current), ""
        )
        signature = self.private.sign(unsigned.signed_bytes())
        return Checkpoint(
            unsigned.position,
            unsigned.chain_hash,
            unsigned.issued_at,
            unsigned.key_id,
            b64encode(signature).decode("ascii"),
        )

    def check(self, checkpoint: Checkpoint) -> PublishedKey:
        """The key that signed ``checkpoint``; CheckpointRefusedError if none did."""
        by_id = {key.key_id: key for key in self.published()}
        key = by_id.get(checkpoint.key_id)
        if key is None:
            raise CheckpointRefusedError(
                f"it is signed by key {checkpoint.key_id}, which is neither this service's "
                "current key nor a retired one"
            )
        try:
            signature = b64decode(checkpoint.signature.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            signature = b""
        public = Ed25519PublicKey.from_public_bytes(b64decode(key.public_key))
        try:
            public.verify(signature, checkpoint.signed_bytes())
        except InvalidSignature:
            raise CheckpointRefusedError(
                f"its signature does not verify with key {key.key_id}: it was altered or forged"
            ) from None
        return key


def development_signing_key(path: Path = DEVELOPMENT_SIGNING_KEY_FILE) -> tuple[SecretStr, bool]:
    """The development key in ``path``, made (mode 0600) if missing; and whether it was made.

    Written to a temporary file and linked into place, so processes starting together
    agree on one key and none reads a half-written file.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(_DEVELOPMENT_HEADER + new_signing_key() + "\n")
        try:
            os.link(temporary, path)
            made = True
        except FileExistsError:
            made = False
        finally:
            temporary.unlink()
    else:
        made = False
    lines = [line for line in path.read_text(encoding="ascii").splitlines() if line.strip()]
    key = SecretStr(next((line for line in lines if not line.startswith("#")), ""))
    decode_signing_key(key)  # a damaged file stops here, with one line
    return key, made


def development_key_notice(path: Path, made: bool) -> str:
    """What to tell an operator starting without ``CASE_TRANSFER_SIGNING_KEY``."""
    how = "made now" if made else "made on an earlier start"
    return (
        f"DEVELOPMENT ONLY: ledger checkpoints are signed with the key in {path} ({how}); "
        f"set {SIGNING_KEY_VARIABLE} in any shared environment."
    )
