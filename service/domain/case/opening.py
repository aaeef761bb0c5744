"""Opening a case, recording each authority's own reference for it, and closing it.

Part of the case aggregate (``aggregate.py`` gathers the parts): the events are
declared here beside the commands that record them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Self
from uuid import uuid4

from eventsourcing.domain import Aggregate

from ..access import acting_authority
from ..actors import Actor
from ..calendar import london_date
from ..identifiers import check_nhs_number
from ..reference import check_closure_reason
from ..text import check_identifier
from . import date_rules, rules
from .events import NO_MARGIN, CaseEvent, recorded_by, topic
from .responsibility import Period
from .state import CLOSED, OPEN, CaseState


class Opening(CaseState):
    """The life of a case: opened by one authority, closed by the one responsible."""

    class CaseOpened(CaseEvent, Aggregate.Created):
        TOPIC = topic("CaseOpened")
        authority: str
        local_reference: str
        nhs_number: str | None
        date_of_birth: date | None
        expected_date_of_birth: date | None

        def apply(self, aggregate: Any) -> None:
            case: CaseState = aggregate
            case.status = OPEN
            case.nhs_number = self.nhs_number
            case.date_of_birth = self.date_of_birth
            case.expected_date_of_birth = self.expected_date_of_birth
            case.local_references = {self.authority: self.local_reference}
            case.periods = [Period(self.authority, self.timestamp)]

    class LocalReferenceRecorded(CaseEvent):
        TOPIC = topic("LocalReferenceRecorded")
        authority: str
        reference: str
        replaces: str | None

        def apply(self, aggregate: Any) -> None:
            aggregate.local_references[self.authority] = self.reference

    class CaseClosed(CaseEvent):
        """``closes_at``: when nobody is responsible any more; closures recorded before
        the settle margin existed have none, and closed at their recorded time."""

        TOPIC = topic("CaseClosed")
        reason_code: str
        closes_at: datetime | None = None

        def apply(self, aggregate: Any) -> None:
            aggregate.status = CLOSED
            aggregate.closure_reason = self.reason_code
            aggregate.periods[-1].until = self.closes_at or self.timestamp

    @classmethod
    def open(
        cls,
        *,
        by: Actor,
        now: datetime,
        local_reference: str,
        nhs_number: str | None,
        date_of_birth: date | None,
        expected_date_of_birth: date | None,
    ) -> Self:
        """Open a case; the opening authority is responsible from ``now`` (rule 1)."""
        authority = acting_authority(by)
        date_rules.check_birth_dates(date_of_birth, expected_date_of_birth, london_date(now))
        case: Self = cls._create(  # type: ignore[attr-defined]
            cls.CaseOpened,
            id=uuid4(),
            timestamp=now,
            **recorded_by(by),
            authority=authority,
            local_reference=check_identifier(local_reference, "local_reference"),
            nhs_number=check_nhs_number(nhs_number) if nhs_number is not None else None,
            date_of_birth=date_of_birth,
            expected_date_of_birth=expected_date_of_birth,
        )
        return case

    def record_local_reference(self, *, by: Actor, now: datetime, reference: str) -> None:
        """Record the caller's own case reference, so its case system can find the case."""
        authority = acting_authority(by)
        self.require_open()
        rules.require_party(self.parties(), authority)
        reference = check_identifier(reference, "reference")
        current = self.local_references.get(authority)
        if current == reference:
            return
        self.trigger_event(
            self.LocalReferenceRecorded,
            timestamp=now,
            **recorded_by(by),
            authority=authority,
            reference=reference,
            replaces=current,
        )

    def close(
        self, *, by: Actor, now: datetime, reason_code: str, settle: timedelta = NO_MARGIN
    ) -> None:
        """Close the case: nobody is responsible from ``now + settle`` on; refused
        mid-transfer. The case takes no other step once the closure is recorded.

        ``settle``: as for an acceptance (``Transferring.accept_responsibility``), the end
        of responsibility comes a margin after the closure is recorded, so that an answer
        given about an instant before the commit is not changed by it (rule 3).
        """
        self.require_responsible(by, now)
        code = check_closure_reason(reason_code)
        rules.require_no_transfer_in_progress(
            self.active_transfer(now),
            "The case cannot be closed while a transfer is in progress; withdraw it first.",
        )
        self.trigger_event(
            self.CaseClosed,
            timestamp=now,
            **recorded_by(by),
            reason_code=code,
            closes_at=now + settle,
        )
