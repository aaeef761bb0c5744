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
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.domain import Aggregate

from .access import may_see
from .actors import Actor
from .errors import RuleViolation
from .reference import authority


class OpenCase(Protocol):
    """What the index asks of a child's open case when it refuses another."""

    @property
    def modified_on(self) -> datetime: ...

    def parties(self) -> set[str]: ...

    def responsible_authority(self, now: datetime) -> str | None: ...


class ChildHasOpenCaseError(RuleViolation):
    """Raised when a case is opened for a child who already has an open case (409).

    The refusal names the authority responsible for that case, code and name, so the
    caller knows whom to contact: for a child who may be falling between two
    authorities, that is safeguarding information to share, not a secret to keep. It
    names nothing else, not even the case's id. Told to an authority that is not a
    party to the case, it is a disclosure (``disclosed``), which the API writes to the
    access log with the open case's id (``case_id``, never sent) before answering.
    """

    def __init__(self, case_id: UUID, responsible: str, *, disclosed: bool) -> None:
        holder = authority(responsible)
        super().__init__(
            f"A case for this child is already open, held by {holder.name} ({holder.code}). "
            "Contact them: they can transfer it to you.",
            code="child-has-open-case",
            extensions={"responsible_authority": {"code": holder.code, "name": holder.name}},
        )
        self.case_id = case_id
        self.disclosed = disclosed


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

    def add_open_case(
        self, case_id: UUID, *, by: Actor, now: datetime, load: Callable[[UUID], OpenCase]
    ) -> None:
        """Refuse a second open case for the same child, naming who holds the open one.

        ``load`` reads the open case, only when refusing: who is responsible for it, and
        whether ``by`` is a party to it already.
        """
        if self.open_case_id is not None:
            open_case = load(self.open_case_id)
            at = max(now, open_case.modified_on)
            responsible = open_case.responsible_authority(at)
            assert responsible is not None  # rule 1: an open case has one at every instant
            raise ChildHasOpenCaseError(
                self.open_case_id, responsible, disclosed=not may_see(by, open_case)
            )
        self.trigger_event(self.CaseOpened, case_id=case_id)

    def close_case(self, case_id: UUID) -> None:
        if self.open_case_id == case_id:
            self.trigger_event(self.CaseClosed, case_id=case_id)
