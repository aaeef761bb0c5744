"""The index of a child's cases by NHS number, kept in step with the cases themselves.

Rule 1 holds per case; this index makes it hold per child too. A case for a child is
opened (or closed) in the same atomic save as the index entry, and the index has a
version like any aggregate, so two authorities racing to open a case for the same
child cannot both succeed: the loser's save conflicts, is re-checked, and is refused.
It also answers "which cases does this NHS number have?" without reading any case.

The index's id is a keyed hash of the NHS number. An unkeyed hash would not hide the
number: there are only about a billion valid ones, so anyone with a copy of the store
could hash them all and find which children have cases. The key is the application's
(derived from the encryption key, service/keys.py); changing it makes every existing
index entry unfindable, as there is no rotation yet.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from .errors import RuleViolation


class ChildIndex(Aggregate):
    """Every case opened for one NHS number, and which one (if any) is open."""

    class Started(Aggregate.Created):
        """The first case for this NHS number is about to be opened."""

    class CaseOpened(Aggregate.Event):
        case_id: UUID

        def apply(self, aggregate: Any) -> None:
            aggregate.case_ids.append(self.case_id)
            aggregate.open_case_id = self.case_id

    class CaseClosed(Aggregate.Event):
        case_id: UUID

        def apply(self, aggregate: Any) -> None:
            aggregate.open_case_id = None

    def __init__(self) -> None:
        self.case_ids: list[UUID] = []
        self.open_case_id: UUID | None = None

    @staticmethod
    def id_for(nhs_number: str, key: bytes) -> UUID:
        """The index's id: the first 16 bytes of HMAC-SHA256(key, number), as a UUID.

        Derived from the number so that no lookup table is needed, and keyed so that
        the number cannot be recovered from the id without the key.
        """
        digest = hmac.new(key, nhs_number.encode(), hashlib.sha256).digest()
        return UUID(bytes=digest[:16])

    @classmethod
    def start(cls, nhs_number: str, key: bytes) -> ChildIndex:
        return cls._create(cls.Started, id=cls.id_for(nhs_number, key))

    def add_open_case(self, case_id: UUID) -> None:
        """Refuse a second open case for the same child."""
        if self.open_case_id is not None:
            raise RuleViolation(
                "A case for this child is already open. Ask the authority responsible for it "
                "(the MASH can tell you which) to transfer it to you.",
                code="child-has-open-case",
            )
        self.trigger_event(self.CaseOpened, case_id=case_id)

    def close_case(self, case_id: UUID) -> None:
        if self.open_case_id == case_id:
            self.trigger_event(self.CaseClosed, case_id=case_id)
