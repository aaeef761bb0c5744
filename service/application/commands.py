"""The use cases that change the record, one short method each (DESIGN.md's steps).

Each names the case aggregate's command it runs and the fields it takes; loading,
the rules' ``now``, saving, retrying and idempotency are ``Changes``'s, the same for
all. Opening a case is the one use case that creates an aggregate (and keeps the
child index in step), so it has its own attempt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

from service.domain.access import acting_authority
from service.domain.actors import Actor
from service.domain.case import Case
from service.domain.identifiers import check_nhs_number

from .changes import Changes
from .outcome import ChangeRequest, Outcome


class CaseCommands(Changes):
    """Commands over the cases of every authority, mixed into the application."""

    transfer_date_horizon_days: int

    def open_case(
        self,
        actor: Actor,
        request: ChangeRequest,
        *,
        local_reference: str,
        nhs_number: str | None,
        date_of_birth: date | None,
        expected_date_of_birth: date | None,
    ) -> Outcome:
        """Open a case; a child with an NHS number may have only one open case."""
        acting_authority(actor)
        nhs = check_nhs_number(nhs_number) if nhs_number is not None else None
        request = replace(request, expected_version=None)  # a new case has no version yet

        def attempt() -> Outcome | None:
            now = self.clock()
            case = Case.open(
                by=actor,
                now=now,
                local_reference=local_reference,
                nhs_number=nhs,
                date_of_birth=date_of_birth,
                expected_date_of_birth=expected_date_of_birth,
            )
            index = self._child_index(nhs) if nhs is not None else None
            if index is not None:
                index.add_open_case(case.id, by=actor, now=now, load=self._load)
            position = self._save(case, now, request, index, created=True)
            if position is None:
                return None
            return Outcome(case, now, created=True, position=position)

        return self._retrying(request, attempt)

    def record_local_reference(
        self, actor: Actor, case_id: UUID, request: ChangeRequest, *, reference: str
    ) -> Outcome:
        return self._change(
            actor, case_id, request, Case.record_local_reference, reference=reference
        )

    def record_assessment(
        self, actor: Actor, case_id: UUID, request: ChangeRequest, **fields: Any
    ) -> Outcome:
        return self._change(actor, case_id, request, Case.record_assessment, **fields)

    def propose_transfer(
        self, actor: Actor, case_id: UUID, request: ChangeRequest, *, to_authority: str, reason: str
    ) -> Outcome:
        return self._change(
            actor,
            case_id,
            request,
            Case.propose_transfer,
            creates_transfer=True,
            to_authority=to_authority,
            reason=reason,
        )

    def share_information(
        self, actor: Actor, case_id: UUID, transfer_id: UUID, request: ChangeRequest, **fields: Any
    ) -> Outcome:
        step = Case.share_information
        return self._change(actor, case_id, request, step, transfer_id=transfer_id, **fields)

    def confirm_information_received(
        self, actor: Actor, case_id: UUID, transfer_id: UUID, request: ChangeRequest
    ) -> Outcome:
        step = Case.confirm_information_received
        return self._change(actor, case_id, request, step, transfer_id=transfer_id)

    def propose_transfer_date(
        self, actor: Actor, case_id: UUID, transfer_id: UUID, request: ChangeRequest, *, on: date
    ) -> Outcome:
        step = Case.propose_transfer_date
        horizon = self.transfer_date_horizon_days
        return self._change(
            actor, case_id, request, step, transfer_id=transfer_id, on=on, horizon_days=horizon
        )

    def agree_transfer_date(
        self, actor: Actor, case_id: UUID, transfer_id: UUID, request: ChangeRequest, *, on: date
    ) -> Outcome:
        step = Case.agree_transfer_date
        horizon = self.transfer_date_horizon_days
        return self._change(
            actor, case_id, request, step, transfer_id=transfer_id, on=on, horizon_days=horizon
        )

    def accept_responsibility(
        self,
        actor: Actor,
        case_id: UUID,
        transfer_id: UUID,
        request: ChangeRequest,
        *,
        open_matters: Sequence[UUID] = (),
    ) -> Outcome:
        margin = self.settle_margin
        step = Case.accept_responsibility
        return self._change(
            actor,
            case_id,
            request,
            step,
            settles=True,
            transfer_id=transfer_id,
            settle=margin,
            open_matters=open_matters,
        )

    def decline_transfer(
        self, actor: Actor, case_id: UUID, transfer_id: UUID, request: ChangeRequest, *, reason: str
    ) -> Outcome:
        step = Case.decline_transfer
        return self._change(actor, case_id, request, step, transfer_id=transfer_id, reason=reason)

    def withdraw_transfer(
        self, actor: Actor, case_id: UUID, transfer_id: UUID, request: ChangeRequest, *, reason: str
    ) -> Outcome:
        late = self.settle_margin / 2  # the commit's half of the margin (_commit_deadline)
        step = Case.withdraw_transfer
        fields: dict[str, Any] = {"transfer_id": transfer_id, "reason": reason, "settle": late}
        return self._change(actor, case_id, request, step, settles=True, **fields)

    def close_case(
        self, actor: Actor, case_id: UUID, request: ChangeRequest, *, reason_code: str
    ) -> Outcome:
        margin = self.settle_margin
        return self._change(
            actor, case_id, request, Case.close, closes=True, reason_code=reason_code, settle=margin
        )
