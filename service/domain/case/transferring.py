"""Every step of handing a case from one authority to another (rules 2 to 8).

Part of the case aggregate (``aggregate.py`` gathers the parts). A transfer is not an
aggregate of its own: its rules (one in progress per case, acceptance needing the
originating authority's assessment) depend on the case.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from ..access import acting_authority
from ..actors import Actor
from ..calendar import london_date, start_of_london_day
from ..reference import authority as known_authority
from ..text import check_references, check_text
from . import date_rules, rules
from .events import NO_MARGIN, CaseEvent, recorded_by, topic
from .open_matters import NamingOpenMatters
from .responsibility import Period
from .transfer import InformationShare, Transfer


class Transferring(NamingOpenMatters):
    """Proposal, information shared and received, a date agreed, acceptance or an end."""

    class TransferProposed(CaseEvent):
        TOPIC = topic("TransferProposed")
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

    class InformationShared(CaseEvent):
        TOPIC = topic("InformationShared")
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

    class InformationReceiptConfirmed(CaseEvent):
        TOPIC = topic("InformationReceiptConfirmed")
        transfer_id: UUID

        def apply(self, aggregate: Any) -> None:
            aggregate.transfers[self.transfer_id].information_received_at = self.timestamp

    class ResponsibilityAccepted(CaseEvent):
        TOPIC = topic("ResponsibilityAccepted")
        transfer_id: UUID
        effective_at: datetime

        def apply(self, aggregate: Any) -> None:
            transfer: Transfer = aggregate.transfers[self.transfer_id]
            transfer.accepted_at = self.timestamp
            transfer.effective_at = self.effective_at
            aggregate.periods[-1].until = self.effective_at
            aggregate.periods.append(Period(transfer.to_authority, self.effective_at))

    class TransferDeclined(CaseEvent):
        TOPIC = topic("TransferDeclined")
        transfer_id: UUID
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.transfers[self.transfer_id].end("declined", self.timestamp, self.reason)

    class TransferWithdrawn(CaseEvent):
        TOPIC = topic("TransferWithdrawn")
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

    def propose_transfer(self, *, by: Actor, now: datetime, to_authority: str, reason: str) -> UUID:
        """Propose handing the case to another authority (rules 4 and 7)."""
        authority = self.require_responsible(by, now)
        to_code = known_authority(to_authority).code
        reason = check_text(reason, "reason")
        rules.require_no_transfer_in_progress(
            self.active_transfer(now), "A transfer of this case is already in progress."
        )
        rules.require_another_authority(to_code, authority)
        self.require_no_pending_outcome()  # rule 15
        transfer_id = uuid4()
        self.trigger_event(
            self.TransferProposed,
            timestamp=now,
            **recorded_by(by),
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
        transfer = self.transfer_in_progress(by, transfer_id, now)
        self.require_responsible(by, now)
        rules.require_categories(categories)
        checked_categories = check_references(categories, "categories")
        checked_references = check_references(references, "references")
        date_rules.check_not_future(
            shared_on, london_date(now), "Information cannot be shared in the future."
        )
        self.trigger_event(
            self.InformationShared,
            timestamp=now,
            **recorded_by(by),
            transfer_id=transfer.transfer_id,
            categories=checked_categories,
            references=checked_references,
            shared_on=shared_on,
            note=check_text(note, "note") if note and note.strip() else "",
        )

    def confirm_information_received(self, *, by: Actor, now: datetime, transfer_id: UUID) -> None:
        """The receiving authority confirms it has the information shared so far."""
        transfer = self.transfer_in_progress(by, transfer_id, now)
        rules.require_receiving(transfer, acting_authority(by))
        rules.require_information_shared(
            transfer, "No information has been recorded as shared for this transfer yet."
        )
        self.trigger_event(
            self.InformationReceiptConfirmed,
            timestamp=now,
            **recorded_by(by),
            transfer_id=transfer_id,
        )

    def accept_responsibility(
        self,
        *,
        by: Actor,
        now: datetime,
        transfer_id: UUID,
        settle: timedelta = NO_MARGIN,
        open_matters: Sequence[UUID] = (),
    ) -> datetime:
        """The receiving authority accepts; responsibility passes later (rules 5 and 6),
        naming each disputed outcome and open difference it has seen (rule 15).

        The effective instant is the later of the agreed day's start and ``now + settle``.
        ``now`` is taken before the acceptance is stored, and a reader asking "who is
        responsible" before the commit is answered without it: taking effect at ``now``
        itself, the acceptance would change that answer about an instant already past
        once committed (rule 3). The application passes a ``settle`` margin longer than
        any commit may take and refuses a commit that comes later.
        """
        transfer = self.transfer_in_progress(by, transfer_id, now)
        rules.require_receiving(transfer, acting_authority(by))
        rules.require_not_accepted(transfer)
        rules.require_assessed(self.assessed_in_current_period(transfer.from_authority, now))
        rules.require_information_shared(
            transfer, "The originating authority has not recorded what information it shared."
        )
        agreed = rules.require_agreed_date(transfer, now)
        effective_at = max(start_of_london_day(agreed), now + settle)
        self.name_open_matters(by, now, transfer_id, open_matters)
        self.trigger_event(
            self.ResponsibilityAccepted,
            timestamp=now,
            **recorded_by(by),
            transfer_id=transfer_id,
            effective_at=effective_at,
        )
        return effective_at

    def decline_transfer(self, *, by: Actor, now: datetime, transfer_id: UUID, reason: str) -> None:
        """The receiving authority declines; the originating authority stays responsible."""
        transfer = self.transfer_in_progress(by, transfer_id, now)
        rules.require_receiving(transfer, acting_authority(by))
        rules.require_not_accepted(transfer)
        self.trigger_event(
            self.TransferDeclined,
            timestamp=now,
            **recorded_by(by),
            transfer_id=transfer_id,
            reason=check_text(reason, "reason"),
        )

    def withdraw_transfer(
        self,
        *,
        by: Actor,
        now: datetime,
        transfer_id: UUID,
        reason: str,
        settle: timedelta = NO_MARGIN,
    ) -> None:
        """The originating authority withdraws, only before the effective instant (rule 8),
        and not after an acceptance for a day already begun (``Transfer.settling``).

        ``settle``: how long before the effective instant a withdrawal is already too
        late (the application's time to commit it before the hand-over, rule 3).
        """
        transfer = self.transfer_in_progress(by, transfer_id, now)
        rules.require_in_progress(transfer, now + settle)
        self.require_responsible(by, now)
        self.trigger_event(
            self.TransferWithdrawn,
            timestamp=now,
            **recorded_by(by),
            transfer_id=transfer_id,
            reason=check_text(reason, "reason"),
        )
