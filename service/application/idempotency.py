"""Remembered requests: a retry with the same ``Idempotency-Key`` gets the first answer.

A remembered request is saved in the same atomic write as the events it caused, so
after a crash either both exist or neither does, and a retry never records a step
twice. It stores where the answer came from (the case and its version, the instant
used) rather than a copy of the response, so no personal data is duplicated; the
answer is rebuilt from the case as it stood at that version.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from service.domain.errors import InvalidInput

_NAMESPACE = uuid5(NAMESPACE_URL, "urn:case-transfer-service:idempotency")
KEY_MAX = 255


def check_key(key: str) -> str:
    """``key`` if it is an Idempotency-Key as documented: 1 to ``KEY_MAX`` printable ASCII
    characters (422 ``invalid-idempotency-key`` otherwise), on every route that takes one,
    those that only repeat safely (a ping) included."""
    if not key or len(key) > KEY_MAX or not key.isascii() or not key.isprintable():
        raise InvalidInput(
            f"Idempotency-Key must be 1 to {KEY_MAX} printable ASCII characters.",
            code="invalid-idempotency-key",
        )
    return key


@dataclass(frozen=True)
class RequestIdentity:
    """Who sent a request, under which key, and a fingerprint of what it asked for."""

    principal: str
    key: str
    fingerprint: str

    @classmethod
    def of(cls, principal: str, key: str, method: str, path: str, body: Any) -> RequestIdentity:
        check_key(key)
        canonical = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"))
        return cls(principal, key, hashlib.sha256(canonical.encode()).hexdigest())

    @property
    def record_id(self) -> UUID:
        return uuid5(_NAMESPACE, f"{self.principal}\n{self.key}")


class RememberedRequest(Aggregate):
    """The first successful answer to one principal's request under one key.

    Stored in the log under the topics it was first written with (``TOPIC``), whatever
    module holds the class now.
    """

    TOPIC = "service.idempotency:RememberedRequest"

    class Created(Aggregate.Created):
        """The library's default creation event; a record is created by ``Remembered``."""

        TOPIC = "service.idempotency:RememberedRequest.Created"

    class Remembered(Aggregate.Created):
        TOPIC = "service.idempotency:RememberedRequest.Remembered"
        principal: str
        fingerprint: str
        case_id: UUID
        case_version: int
        answered_at: datetime
        created: bool
        transfer_id: UUID | None

    def __init__(
        self,
        fingerprint: str,
        case_id: UUID,
        case_version: int,
        answered_at: datetime,
        created: bool,
        transfer_id: UUID | None,
    ) -> None:
        self.fingerprint = fingerprint
        self.case_id = case_id
        self.case_version = case_version
        self.answered_at = answered_at
        self.created = created
        self.transfer_id = transfer_id

    @classmethod
    def remember(
        cls,
        identity: RequestIdentity,
        *,
        case_id: UUID,
        case_version: int,
        answered_at: datetime,
        created: bool,
        transfer_id: UUID | None,
    ) -> RememberedRequest:
        return cls._create(
            cls.Remembered,
            id=identity.record_id,
            timestamp=answered_at,
            principal=identity.principal,
            fingerprint=identity.fingerprint,
            case_id=case_id,
            case_version=case_version,
            answered_at=answered_at,
            created=created,
            transfer_id=transfer_id,
        )

    def check_same_request(self, identity: RequestIdentity) -> None:
        """The same key with a different request is a client bug: refuse it (422)."""
        if identity.fingerprint != self.fingerprint:
            raise key_reused()


def key_reused() -> InvalidInput:
    """The refusal of an Idempotency-Key sent again with a different request (422)."""
    return InvalidInput(
        "This Idempotency-Key was already used for a different request.",
        code="idempotency-key-reused",
    )
