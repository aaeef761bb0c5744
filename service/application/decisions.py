"""The use cases of the decisions on the record: strategy discussions and professional
differences (DESIGN.md, rules 11 to 15), and what each caller may read of them.

Commands go through ``Changes`` like every other step (load, rules at ``now``, save
against the case's version, re-check a lost race), so a dissent and an acceptance of a
transfer can never both be saved without one seeing the other. Partners take part in
these steps; the access policy (``service.domain.access``) decides what they see.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from service.adapters.event_store import store_errors
from service.domain.access import (
    no_such_case,
    require_decisions_visible,
    sees_difference,
    sees_discussion,
)
from service.domain.actors import Actor
from service.domain.case import Case, decision_rules
from service.domain.case.difference import Difference
from service.domain.case.discussion import Agency, Discussion
from service.domain.decision_timescales import DecisionTimescales

from .changes import Changes
from .outcome import ChangeRequest, Outcome
from .read_cache import CaseReadCache


@dataclass(frozen=True)
class Decisions:
    """What a caller may see of a case's decisions, at ``now``: the responsible
    authority, and the discussions and differences visible to it."""

    case: Case
    now: datetime
    responsible_authority: str | None
    discussions: list[Discussion]
    differences: list[Difference]

    def discussion(self, discussion_id: UUID) -> Discussion:
        """One of the visible discussions; to the caller, any other does not exist."""
        visible = {d.discussion_id: d for d in self.discussions}
        return decision_rules.discussion_of(visible, discussion_id)

    def difference(self, difference_id: UUID) -> Difference:
        visible = {d.difference_id: d for d in self.differences}
        return decision_rules.difference_of(visible, difference_id)


class DecisionCommands(Changes):
    """Steps of strategy discussions and professional differences."""

    decision_timescales: DecisionTimescales

    def _decide(
        self,
        actor: Actor,
        case_id: UUID,
        request: ChangeRequest,
        step: Callable[..., Any],
        *,
        creates: bool = False,
        **fields: Any,
    ) -> Outcome:
        return self._change(
            actor, case_id, request, step, creates_transfer=creates, decision=True, **fields
        )

    def convene_discussion(
        self,
        actor: Actor,
        case_id: UUID,
        request: ChangeRequest,
        *,
        invited: Sequence[Mapping[str, str]],
        **fields: Any,
    ) -> Outcome:
        """Convene a discussion; ``invited``: each agency's code, kind and name."""
        agencies = [Agency(a["code"], a["kind"], a["name"]) for a in invited]
        step = Case.convene_discussion
        return self._decide(actor, case_id, request, step, creates=True, invited=agencies, **fields)

    def record_outcome(
        self,
        actor: Actor,
        case_id: UUID,
        discussion_id: UUID,
        request: ChangeRequest,
        **fields: Any,
    ) -> Outcome:
        step = Case.record_outcome
        return self._decide(actor, case_id, request, step, discussion_id=discussion_id, **fields)

    def circulate_minutes(
        self,
        actor: Actor,
        case_id: UUID,
        discussion_id: UUID,
        request: ChangeRequest,
        **fields: Any,
    ) -> Outcome:
        step = Case.circulate_minutes
        return self._decide(actor, case_id, request, step, discussion_id=discussion_id, **fields)

    def acknowledge_minutes(
        self,
        actor: Actor,
        case_id: UUID,
        discussion_id: UUID,
        request: ChangeRequest,
        **fields: Any,
    ) -> Outcome:
        step = Case.acknowledge_minutes
        return self._decide(actor, case_id, request, step, discussion_id=discussion_id, **fields)

    def record_dissent(
        self,
        actor: Actor,
        case_id: UUID,
        discussion_id: UUID,
        request: ChangeRequest,
        **fields: Any,
    ) -> Outcome:
        return self._decide(
            actor,
            case_id,
            request,
            Case.record_dissent,
            creates=True,
            discussion_id=discussion_id,
            **fields,
        )

    def withdraw_dissent(
        self,
        actor: Actor,
        case_id: UUID,
        discussion_id: UUID,
        dissent_id: UUID,
        request: ChangeRequest,
        **fields: Any,
    ) -> Outcome:
        return self._decide(
            actor,
            case_id,
            request,
            Case.withdraw_dissent,
            discussion_id=discussion_id,
            dissent_id=dissent_id,
            **fields,
        )

    def raise_difference(
        self, actor: Actor, case_id: UUID, request: ChangeRequest, **fields: Any
    ) -> Outcome:
        return self._decide(actor, case_id, request, Case.raise_difference, creates=True, **fields)

    def respond_to_difference(
        self,
        actor: Actor,
        case_id: UUID,
        difference_id: UUID,
        request: ChangeRequest,
        **fields: Any,
    ) -> Outcome:
        step = Case.respond_to_difference
        return self._decide(actor, case_id, request, step, difference_id=difference_id, **fields)

    def escalate_difference(
        self,
        actor: Actor,
        case_id: UUID,
        difference_id: UUID,
        request: ChangeRequest,
        **fields: Any,
    ) -> Outcome:
        step = Case.escalate_difference
        return self._decide(actor, case_id, request, step, difference_id=difference_id, **fields)

    def resolve_difference(
        self,
        actor: Actor,
        case_id: UUID,
        difference_id: UUID,
        request: ChangeRequest,
        **fields: Any,
    ) -> Outcome:
        step = Case.resolve_difference
        return self._decide(actor, case_id, request, step, difference_id=difference_id, **fields)

    def close_difference_unresolved(
        self,
        actor: Actor,
        case_id: UUID,
        difference_id: UUID,
        request: ChangeRequest,
        **fields: Any,
    ) -> Outcome:
        step = Case.close_difference_unresolved
        return self._decide(actor, case_id, request, step, difference_id=difference_id, **fields)


class DecisionQueries:
    """Reads of a case's decisions, mixed into the application."""

    clock: Callable[[], datetime]
    read_cache: CaseReadCache

    if TYPE_CHECKING:

        def _replayed(self, case_id: UUID, as_known_at: datetime) -> Case | None: ...

    def decisions(
        self, actor: Actor, case_id: UUID, *, as_known_at: datetime | None = None
    ) -> Decisions:
        """The case's decisions the caller may see: every one for parties, the MASH and
        auditors; for a partner, the discussions it is invited to and the differences
        it is a side of. With ``as_known_at``: as the record stood then."""

        def look(case: Case) -> Case:
            require_decisions_visible(actor, case)
            return copy.deepcopy(case)

        with store_errors():
            try:
                case = self.read_cache.read(case_id, look)
            except AggregateNotFoundError:
                raise no_such_case() from None
            now = max(self.clock(), case.modified_on)
            if as_known_at is not None and as_known_at < now:
                known = self._replayed(case_id, as_known_at)
                if known is None:
                    raise no_such_case()
                require_decisions_visible(actor, known)
                case, now = known, as_known_at
        return _visible(actor, case, now)


def _visible(actor: Actor, case: Case, now: datetime) -> Decisions:
    discussions = [d for d in case.discussions.values() if sees_discussion(actor, d)]
    differences = [d for d in case.differences.values() if sees_difference(actor, d)]
    return Decisions(case, now, case.responsible_authority(now), discussions, differences)
