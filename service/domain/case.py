"""The case aggregate: one child's case and every step of its transfers.

Commands check the rules of DESIGN.md against the state the events have built and
then trigger exactly one event; events only change state, so replaying them always
rebuilds the same case. Every command takes ``now``, the instant the store records
the step: the domain never reads a clock, which is what lets tests (and replay) ask
"who was responsible at T, as the record stood at K" deterministically.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from . import rules
from .actors import Actor
from .calendar import london_date, start_of_london_day
from .case_state import CaseState
from .errors import InvalidInput, RuleViolation
from .identifiers import check_nhs_number
from .reference import authority as known_authority
from .reference import check_assessment_factors, check_closure_reason, check_primary_need
from .responsibility import Period
from .text import REFERENCE_MAX, check_references, check_text
from .transfer import DateProposal, InformationShare, Transfer

OPEN = "open"
CLOSED = "closed"


class Case(CaseState, Aggregate):
    """A child in need's case: who is responsible for it, and how responsibility moves."""

    class Event(Aggregate.Event):
        """Base of every case event: each says who recorded it."""

        actor_name: str
        actor_role: str
        actor_authority: str | None

        @property
        def actor(self) -> Actor:
            return Actor(self.actor_name, self.actor_role, self.actor_authority)

    class CaseOpened(Event, Aggregate.Created):
        authority: str
        local_reference: str
        nhs_number: str | None
        date_of_birth: date | None
        expected_date_of_birth: date | None

        def apply(self, aggregate: Any) -> None:
            case: Case = aggregate
            case.status = OPEN
            case.nhs_number = self.nhs_number
            case.date_of_birth = self.date_of_birth
            case.expected_date_of_birth = self.expected_date_of_birth
            case.local_references = {self.authority: self.local_reference}
            case.periods = [Period(self.authority, self.timestamp)]

    class LocalReferenceRecorded(Event):
        authority: str
        reference: str
        replaces: str | None

        def apply(self, aggregate: Any) -> None:
            aggregate.local_references[self.authority] = self.reference

    class AssessmentCompleted(Event):
        assessment_id: UUID
        authority: str
        completed_on: date
        factors: list[str]
        primary_need_code: str
        summary: str
        corrects: UUID | None

        def apply(self, aggregate: Any) -> None:
            aggregate.assessments.append(self)

    class TransferProposed(Event):
        transfer_id: UUID
        from_authority: str
        to_authority: str
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.transfers[self.transfer_id] = Transfer(
                self.transfer_id,
                self.from_authority,
                self.to_authority,
                self.reason,
                proposed_at=self.timestamp,
            )

    class InformationShared(Event):
        transfer_id: UUID
        categories: list[str]
        references: list[str]
        shared_on: date
        note: str

        def apply(self, aggregate: Any) -> None:
            aggregate.transfers[self.transfer_id].information.append(
                InformationShare(
                    self.categories, self.references, self.shared_on, self.note, self.timestamp
                )
            )

    class InformationReceiptConfirmed(Event):
        transfer_id: UUID

        def apply(self, aggregate: Any) -> None:
            aggregate.transfers[self.transfer_id].information_received_at = self.timestamp

    class TransferDateProposed(Event):
        transfer_id: UUID
        date: date

        def apply(self, aggregate: Any) -> None:
            transfer: Transfer = aggregate.transfers[self.transfer_id]
            assert self.actor_authority is not None
            transfer.date_proposal = DateProposal(self.date, self.actor_authority, self.timestamp)
            transfer.agreed_date = None
            transfer.date_agreed_at = None

    class TransferDateAgreed(Event):
        transfer_id: UUID
        date: date

        def apply(self, aggregate: Any) -> None:
            transfer: Transfer = aggregate.transfers[self.transfer_id]
            transfer.agreed_date = self.date
            transfer.date_agreed_at = self.timestamp

    class ResponsibilityAccepted(Event):
        transfer_id: UUID
        effective_at: datetime

        def apply(self, aggregate: Any) -> None:
            transfer: Transfer = aggregate.transfers[self.transfer_id]
            transfer.accepted_at = self.timestamp
            transfer.effective_at = self.effective_at
            aggregate.periods[-1].until = self.effective_at
            aggregate.periods.append(Period(transfer.to_authority, self.effective_at))

    class TransferDeclined(Event):
        transfer_id: UUID
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.transfers[self.transfer_id].end("declined", self.timestamp, self.reason)

    class TransferWithdrawn(Event):
        transfer_id: UUID
        reason: str

        def apply(self, aggregate: Any) -> None:
            transfer: Transfer = aggregate.transfers[self.transfer_id]
            if transfer.effective_at is not None:
                # Withdrawn after acceptance, before the hand-over: the scheduled
                # period never starts and the originating authority's never ends.
                aggregate.periods.pop()
                aggregate.periods[-1].until = None
            transfer.end("withdrawn", self.timestamp, self.reason)

    class CaseClosed(Event):
        reason_code: str

        def apply(self, aggregate: Any) -> None:
            aggregate.status = CLOSED
            aggregate.closure_reason = self.reason_code
            aggregate.periods[-1].until = self.timestamp

    # ---- commands -------------------------------------------------------------------

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
    ) -> Case:
        """Open a case; the opening authority is responsible from ``now`` (rule 1)."""
        authority = by.acting_authority()
        today = london_date(now)
        rules.check_birth_dates(date_of_birth, expected_date_of_birth, today)
        return cls._create(
            cls.CaseOpened,
            id=uuid4(),
            timestamp=now,
            **_actor(by),
            authority=authority,
            local_reference=check_text(
                local_reference, "local_reference", max_length=REFERENCE_MAX
            ),
            nhs_number=check_nhs_number(nhs_number) if nhs_number is not None else None,
            date_of_birth=date_of_birth,
            expected_date_of_birth=expected_date_of_birth,
        )

    def record_local_reference(self, *, by: Actor, now: datetime, reference: str) -> None:
        """Record the caller's own case reference, so its case system can find the case."""
        authority = by.acting_authority()
        self._require_open()
        if authority not in self.parties():
            raise RuleViolation(
                "Only an authority party to the case may record a reference for it.",
                code="not-case-party",
            )
        reference = check_text(reference, "reference", max_length=REFERENCE_MAX)
        current = self.local_references.get(authority)
        if current == reference:
            return
        self.trigger_event(
            self.LocalReferenceRecorded,
            timestamp=now,
            **_actor(by),
            authority=authority,
            reference=reference,
            replaces=current,
        )

    def record_assessment(
        self,
        *,
        by: Actor,
        now: datetime,
        completed_on: date,
        factors: list[str],
        primary_need_code: str,
        summary: str,
        corrects: UUID | None = None,
    ) -> UUID:
        """Record the responsible authority's completed assessment (rule 10: described)."""
        authority = self._require_responsible(by, now)
        checked_factors = list(check_assessment_factors(factors))
        need = check_primary_need(primary_need_code)
        summary = check_text(summary, "summary")
        if completed_on > london_date(now):
            raise InvalidInput(
                "An assessment cannot be completed in the future.", code="date-in-future"
            )
        period = self.current_period(now)
        if self._period_began_by_transfer(period) and completed_on < london_date(period.since):
            raise RuleViolation(
                "This assessment was completed before your authority became responsible; "
                "record your own assessment of the child's needs.",
                code="assessment-predates-responsibility",
            )
        if corrects is not None:
            rules.check_correctable(self.assessments, corrects, authority)
        assessment_id = uuid4()
        self.trigger_event(
            self.AssessmentCompleted,
            timestamp=now,
            **_actor(by),
            assessment_id=assessment_id,
            authority=authority,
            completed_on=completed_on,
            factors=checked_factors,
            primary_need_code=need,
            summary=summary,
            corrects=corrects,
        )
        return assessment_id

    def propose_transfer(self, *, by: Actor, now: datetime, to_authority: str, reason: str) -> UUID:
        """Propose handing the case to another authority (rules 4 and 7)."""
        authority = self._require_responsible(by, now)
        to_code = known_authority(to_authority).code
        reason = check_text(reason, "reason")
        if self.active_transfer(now) is not None:
            raise RuleViolation(
                "A transfer of this case is already in progress.", code="transfer-in-progress"
            )
        if to_code == authority:
            raise RuleViolation(
                "A case cannot be transferred to the authority already responsible for it.",
                code="transfer-to-responsible-authority",
            )
        transfer_id = uuid4()
        self.trigger_event(
            self.TransferProposed,
            timestamp=now,
            **_actor(by),
            transfer_id=transfer_id,
            from_authority=authority,
            to_authority=to_code,
            reason=reason,
        )
        return transfer_id

    def share_information(
        self,
        *,
        by: Actor,
        now: datetime,
        transfer_id: UUID,
        categories: list[str],
        references: list[str],
        shared_on: date,
        note: str | None = None,
    ) -> None:
        """Record what the originating authority shared with the receiving one for this transfer."""
        transfer = self._transfer_in_progress(by, transfer_id, now)
        self._require_responsible(by, now)
        if not categories:
            raise InvalidInput(
                "Say what categories of information were shared.", code="categories-required"
            )
        checked_categories = check_references(categories, "categories")
        checked_references = check_references(references, "references")
        if shared_on > london_date(now):
            raise InvalidInput("Information cannot be shared in the future.", code="date-in-future")
        self.trigger_event(
            self.InformationShared,
            timestamp=now,
            **_actor(by),
            transfer_id=transfer.transfer_id,
            categories=checked_categories,
            references=checked_references,
            shared_on=shared_on,
            note=check_text(note, "note") if note and note.strip() else "",
        )

    def confirm_information_received(self, *, by: Actor, now: datetime, transfer_id: UUID) -> None:
        """The receiving authority confirms it has the information shared so far."""
        transfer = self._transfer_in_progress(by, transfer_id, now)
        rules.require_receiving(transfer, by.acting_authority())
        if not transfer.information_shared:
            raise RuleViolation(
                "No information has been recorded as shared for this transfer yet.",
                code="information-not-shared",
            )
        self.trigger_event(
            self.InformationReceiptConfirmed, timestamp=now, **_actor(by), transfer_id=transfer_id
        )

    def propose_transfer_date(
        self, *, by: Actor, now: datetime, transfer_id: UUID, on: date
    ) -> None:
        """Either party proposes the date responsibility passes; it binds once the other agrees."""
        transfer = self._transfer_open_for_dates(by, transfer_id, now)
        rules.check_not_past(on, now)
        self.trigger_event(
            self.TransferDateProposed,
            timestamp=now,
            **_actor(by),
            transfer_id=transfer.transfer_id,
            date=on,
        )

    def agree_transfer_date(self, *, by: Actor, now: datetime, transfer_id: UUID, on: date) -> None:
        """The other party agrees the proposed date (rule 7)."""
        authority = by.acting_authority()
        transfer = self._transfer_open_for_dates(by, transfer_id, now)
        rules.check_not_past(on, now)
        rules.check_agreement(transfer, authority, on)
        self.trigger_event(
            self.TransferDateAgreed,
            timestamp=now,
            **_actor(by),
            transfer_id=transfer.transfer_id,
            date=on,
        )

    def accept_responsibility(self, *, by: Actor, now: datetime, transfer_id: UUID) -> datetime:
        """The receiving authority accepts; responsibility passes later (rules 5 and 6)."""
        transfer = self._transfer_in_progress(by, transfer_id, now)
        rules.require_receiving(transfer, by.acting_authority())
        rules.require_not_accepted(transfer)
        if not self.assessed_in_current_period(transfer.from_authority, now):
            raise RuleViolation(
                "The originating authority has not completed an assessment of the child's "
                "needs during its current period of responsibility.",
                code="assessment-required",
            )
        if not transfer.information_shared:
            raise RuleViolation(
                "The originating authority has not recorded what information it shared.",
                code="information-not-shared",
            )
        rules.require_agreed_date(transfer, now)
        assert transfer.agreed_date is not None
        effective_at = max(start_of_london_day(transfer.agreed_date), now)
        self.trigger_event(
            self.ResponsibilityAccepted,
            timestamp=now,
            **_actor(by),
            transfer_id=transfer_id,
            effective_at=effective_at,
        )
        return effective_at

    def decline_transfer(self, *, by: Actor, now: datetime, transfer_id: UUID, reason: str) -> None:
        """The receiving authority declines; the originating authority stays responsible."""
        transfer = self._transfer_in_progress(by, transfer_id, now)
        rules.require_receiving(transfer, by.acting_authority())
        rules.require_not_accepted(transfer)
        self.trigger_event(
            self.TransferDeclined,
            timestamp=now,
            **_actor(by),
            transfer_id=transfer_id,
            reason=check_text(reason, "reason"),
        )

    def withdraw_transfer(
        self, *, by: Actor, now: datetime, transfer_id: UUID, reason: str
    ) -> None:
        """The originating authority withdraws, only before the effective instant (rule 8)."""
        self._transfer_in_progress(by, transfer_id, now)
        self._require_responsible(by, now)
        self.trigger_event(
            self.TransferWithdrawn,
            timestamp=now,
            **_actor(by),
            transfer_id=transfer_id,
            reason=check_text(reason, "reason"),
        )

    def close(self, *, by: Actor, now: datetime, reason_code: str) -> None:
        """Close the case: nobody is responsible from ``now`` on; refused mid-transfer."""
        self._require_responsible(by, now)
        code = check_closure_reason(reason_code)
        if self.active_transfer(now) is not None:
            raise RuleViolation(
                "The case cannot be closed while a transfer is in progress; withdraw it first.",
                code="transfer-in-progress",
            )
        self.trigger_event(self.CaseClosed, timestamp=now, **_actor(by), reason_code=code)

    # ---- guards shared by the commands ---------------------------------------------------

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        """Refuse to record a step before the last one: recorded time only runs forwards.

        Rule 3 (the past never changes) and ``as_known_at`` replay rely on each case's
        events being in time order; the application passes ``max(clock, modified_on)``.
        """
        if kwargs["timestamp"] < self.modified_on:
            raise ValueError("a case's events must be recorded in time order")
        super().trigger_event(event_class, **kwargs)

    def _require_responsible(self, by: Actor, now: datetime) -> str:
        authority = by.acting_authority()
        self._require_open()
        if self.responsible_authority(now) != authority:
            raise RuleViolation(
                "Only the authority responsible for the case may do this.",
                code="not-responsible-authority",
            )
        return authority

    def _require_open(self) -> None:
        if self.status == CLOSED:
            raise RuleViolation("The case is closed.", code="case-closed")

    def _transfer_in_progress(self, by: Actor, transfer_id: UUID, now: datetime) -> Transfer:
        by.acting_authority()  # MASH and auditors are refused before anything is looked up
        self._require_open()
        return rules.require_in_progress(self.transfer(transfer_id), now)

    def _transfer_open_for_dates(self, by: Actor, transfer_id: UUID, now: datetime) -> Transfer:
        authority = by.acting_authority()
        transfer = self._transfer_in_progress(by, transfer_id, now)
        rules.require_transfer_party(transfer, authority)
        rules.require_not_accepted(transfer)
        return transfer

    def _period_began_by_transfer(self, period: Period) -> bool:
        return period is not self.periods[0]


def _actor(by: Actor) -> dict[str, str | None]:
    return {"actor_name": by.name, "actor_role": by.role, "actor_authority": by.authority}
