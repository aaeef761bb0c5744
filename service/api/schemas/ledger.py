"""Response schemas of the ledger routes: a signed checkpoint and the keys that verify it.

Field values are exactly the strings that were signed (``issued_at`` is text, not a
parsed instant), so a checkpoint saved as received verifies byte for byte.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from service.audit.signing import Checkpoint, PublishedKey


class LedgerCheckpoint(BaseModel):
    """The chain over every event up to ``position``, signed by the service. Keep it."""

    position: int = Field(description="The last log position the chain covers")
    chain_hash: str = Field(
        description="SHA-256 chain over every event up to position, 64 lower-case hex digits"
    )
    issued_at: str = Field(description="When it was signed, UTC: YYYY-MM-DDTHH:MM:SS.ffffffZ")
    key_id: str = Field(description="The signing key: 16 hex digits, as in /v1/ledger/keys")
    signature: str = Field(
        description="Ed25519 signature, base64, over the canonical JSON (sorted keys, no "
        "spaces) of {position, chain_hash, issued_at, key_id}"
    )

    @classmethod
    def of(cls, checkpoint: Checkpoint) -> LedgerCheckpoint:
        return cls(**checkpoint.to_json())


class LedgerKey(BaseModel):
    """A public key that verifies checkpoints: the current one, or a retired one."""

    key_id: str = Field(description="First 16 hex digits of SHA-256 of the raw public key")
    algorithm: Literal["Ed25519"]
    public_key: str = Field(description="The raw 32-byte public key, base64")
    current: bool = Field(description="Signs new checkpoints; false: a retired key")

    @classmethod
    def of(cls, key: PublishedKey) -> LedgerKey:
        return cls(
            key_id=key.key_id, algorithm="Ed25519", public_key=key.public_key, current=key.current
        )


class LedgerKeys(BaseModel):
    """Every key a checkpoint of this service may be signed with."""

    items: list[LedgerKey]
