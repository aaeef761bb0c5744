"""Agreeing the date responsibility passes (rules 5 and 7): proposed by either party,
agreed by the other.

Part of the case aggregate (``aggregate.py`` gathers the parts; ``transferring.py``
holds the rest of a transfer's steps). A date binds only once the other authority agrees
it; a new proposal unsets an agreed date, so acceptance always rests on an agreement
both sides made.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from ..access import acting_authority
from ..actors import Actor
from . import date_rules, rules
from .events import CaseEvent, recorded_by, topic
from .state import CaseState
from .transfer import DateProposal, Transfer


class Dating(CaseState):
    """A transfer date proposed and agreed."""

    class TransferDateProposed(CaseEvent):
        TOPIC = topic("TransferDateProposed")
        transfer_id: UUID
        date: date

        def apply(self, aggregate: Any) -> None:
            transfer: Transfer = aggregate.transfers[self.transfer_id]
            assert self.actor_authority is not None
            transfer.date_proposal = DateProposal(self.date, self.actor_authority, self.timestamp)
            transfer.agreed_date = None
            transfer.date_agreed_at = None

    class TransferDateAgreed(CaseEvent):
        TOPIC = topic("TransferDateAgreed")
        transfer_id: UUID
        date: date

        def apply(self, aggregate: Any) -> None:
            transfer: Transfer = aggregate.transfers[self.transfer_id]
            transfer.agreed_date = self.date
            transfer.date_agreed_at = self.timestamp

    def propose_transfer_date(
        self,
        *,
        by: Actor,
        now: datetime,
        transfer_id: UUID,
        on: date,
        horizon_days: int = date_rules.DEFAULT_TRANSFER_DATE_HORIZON_DAYS,
    ) -> None:
        """Either party proposes the date responsibility passes; it binds once the other agrees.

        The date is today or later, and at most ``horizon_days`` ahead.
        """
        transfer = self._transfer_open_for_dates(by, transfer_id, now, on, horizon_days)
        self.trigger_event(
            self.TransferDateProposed,
            timestamp=now,
            **recorded_by(by),
            transfer_id=transfer.transfer_id,
            date=on,
        )

    def agree_transfer_date(
        self,
        *,
        by: Actor,
        now: datetime,
        transfer_id: UUID,
        on: date,
        horizon_days: int = date_rules.DEFAULT_TRANSFER_DATE_HORIZON_DAYS,
    ) -> None:
        """The other party agrees the proposed date (rule 7), if still within the horizon."""
        transfer = self._transfer_open_for_dates(by, transfer_id, now, on, horizon_days)
        rules.check_agreement(transfer, acting_authority(by), on)
        self.trigger_event(
            self.TransferDateAgreed,
            timestamp=now,
            **recorded_by(by),
            transfer_id=transfer.transfer_id,
            date=on,
        )

    def _transfer_open_for_dates(
        self, by: Actor, transfer_id: UUID, now: datetime, on: date, horizon_days: int
    ) -> Transfer:
        """The transfer, if ``by`` may propose or agree ``on`` for it: a party, before
        acceptance, a date from today to ``horizon_days`` ahead."""
        transfer = self.transfer_in_progress(by, transfer_id, now)
        rules.require_transfer_party(transfer, acting_authority(by))
        rules.require_not_accepted(transfer)
        date_rules.check_not_past(on, now)
        date_rules.check_transfer_date_horizon(on, now, horizon_days)
        return transfer
