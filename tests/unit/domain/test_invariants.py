"""The rules as properties: one case driven by random steps from random authorities.

A hypothesis state machine opens one case and then, with a clock that only moves
forward (by a microsecond, seconds, minutes or days, often across London midnight and
the clock changes), lets three authorities and a MASH try every command with random
arguments. Refusals are expected and swallowed, but a refused command must record
nothing. After every step the invariants check what DESIGN.md promises:

- rule 1: exactly one owner from opening until closure, none before or after, in
  contiguous periods;
- rule 3: the past never changes: an answer about an instant T, once the clock has
  moved past T, stays the same whatever is recorded later; and replaying only the
  events recorded up to K gives the same answer for every T <= K;
- rule 4: at most one transfer in progress;
- rules 2, 5 and 6: every change of owner is an accepted transfer that had all four
  steps, taking effect at the later of the agreed London day and the acceptance;
- the events alone rebuild the live state.

An answer about T is frozen only once the clock has passed T (or T is the instant the
clock is about to leave): a step recorded at the same instant as T may, under rule 6,
take effect at T itself, and the record "as known at T" includes it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from uuid import UUID

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from service.domain.actors import Actor
from service.domain.calendar import london_date, start_of_london_day
from service.domain.case import CLOSED, Case
from service.domain.case.transfer import Transfer
from service.domain.errors import DomainError

from .conftest import (
    BRISTOL,
    LEEDS,
    MASH,
    MICROSECOND,
    SOMERSET,
    T0,
    assess,
    new_events,
    open_case,
    replay,
)

AUTHORITIES = [SOMERSET, BRISTOL, LEEDS]
# Mostly authorities; now and then a MASH, which may never change the record.
ACTORS = st.sampled_from([*AUTHORITIES, *AUTHORITIES, *AUTHORITIES, MASH])
UNKNOWN_TRANSFER = UUID(int=0)

# Starting instants: an ordinary winter morning, and the evenings before the clocks go
# forward (28 March 2027) and back (31 October 2027), and a summer night near midnight.
STARTS = [
    T0,
    datetime(2027, 3, 27, 21, 30, tzinfo=UTC),
    datetime(2027, 10, 30, 21, 30, tzinfo=UTC),
    datetime(2027, 6, 14, 22, 45, tzinfo=UTC),
]

STEPS = st.one_of(
    st.just(MICROSECOND),
    st.integers(1, 120).map(lambda s: timedelta(seconds=s)),
    st.integers(1, 24 * 60).map(lambda m: timedelta(minutes=m)),
    st.integers(1, 4 * 24 * 3600).map(lambda s: timedelta(seconds=s)),
)
# A transfer to act on: -1 is one the case never had, k the k-th latest.
WHICH = st.integers(-1, 2)
# Transfer dates relative to today in London: mostly today to ten days on, some past.
DAYS = st.integers(-2, 10)

SETTINGS = settings(
    max_examples=200,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


class CaseUnderRandomSteps(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.case: Case = open_case()  # replaced by the initialize step
        self.now = T0
        self.opened_at = T0
        self.closed_at: datetime | None = None
        self.events: list[Case.Event] = []
        self.transfer_ids: list[UUID] = []
        self.assessment_ids: list[UUID] = []
        self.frozen: dict[datetime, tuple[str | None, datetime | None]] = {}
        self.rng = random.Random(0)

    # ---- the steps ----------------------------------------------------------------------

    @initialize(
        opener=st.sampled_from(AUTHORITIES),
        start=st.sampled_from(STARTS),
        offset=st.integers(0, 2 * 24 * 3600),
        seed=st.integers(0, 2**32 - 1),
    )
    def open(self, opener: Actor, start: datetime, offset: int, seed: int) -> None:
        self.now = self.opened_at = start + timedelta(seconds=offset)
        self.case = open_case(by=opener, now=self.now)
        self.events = new_events(self.case)
        self.rng = random.Random(seed)

    @rule(step=STEPS)
    def time_passes(self, step: timedelta) -> None:
        self._move_clock(self.now + step)

    @rule(
        boundary=st.sampled_from(["midnight", "hand-over", "agreed day", "day after agreed day"]),
        offset=st.sampled_from([-MICROSECOND, timedelta(0), MICROSECOND]),
    )
    def time_passes_to_a_boundary(self, boundary: str, offset: timedelta) -> None:
        """Jump to the next London midnight, or to an instant the active transfer names."""
        active = self.case.active_transfer(self.now)
        target: datetime | None = None
        if boundary == "midnight":
            target = start_of_london_day(london_date(self.now) + timedelta(days=1))
        elif active is not None and boundary == "hand-over":
            target = active.effective_at
        elif active is not None and active.agreed_date is not None:
            extra = timedelta(days=1 if boundary == "day after agreed day" else 0)
            target = start_of_london_day(active.agreed_date + extra)
        if target is not None:
            self._move_clock(target + offset)

    @rule(by=ACTORS, days_ago=st.integers(0, 3), correct=st.booleans())
    def record_assessment(self, by: Actor, days_ago: int, correct: bool) -> None:
        corrects = self.assessment_ids[-1] if correct and self.assessment_ids else None
        completed_on = london_date(self.now) - timedelta(days=days_ago)

        def command() -> None:
            self.assessment_ids.append(
                assess(self.case, by=by, now=self.now, completed_on=completed_on, corrects=corrects)
            )

        self._attempt(command)

    @rule(by=ACTORS, to=st.sampled_from(AUTHORITIES))
    def propose_transfer(self, by: Actor, to: Actor) -> None:
        def command() -> None:
            self.transfer_ids.append(
                self.case.propose_transfer(
                    by=by, now=self.now, to_authority=_code(to), reason="The family moved."
                )
            )

        self._attempt(command)

    @rule(by=ACTORS, which=WHICH)
    def share_information(self, by: Actor, which: int) -> None:
        self._attempt(
            lambda: self.case.share_information(
                by=by,
                now=self.now,
                transfer_id=self._transfer_id(which),
                categories=["assessment"],
                references=["DOC-1"],
                shared_on=london_date(self.now),
            )
        )

    @rule(by=ACTORS, which=WHICH)
    def confirm_information_received(self, by: Actor, which: int) -> None:
        self._attempt(
            lambda: self.case.confirm_information_received(
                by=by, now=self.now, transfer_id=self._transfer_id(which)
            )
        )

    @rule(by=ACTORS, which=WHICH, days=DAYS)
    def propose_transfer_date(self, by: Actor, which: int, days: int) -> None:
        self._attempt(
            lambda: self.case.propose_transfer_date(
                by=by, now=self.now, transfer_id=self._transfer_id(which), on=self._day(days)
            )
        )

    @rule(by=ACTORS, which=WHICH, days=DAYS, as_proposed=st.booleans())
    def agree_transfer_date(self, by: Actor, which: int, days: int, as_proposed: bool) -> None:
        transfer_id = self._transfer_id(which)
        on = self._day(days)
        proposal = self.case.transfers.get(transfer_id)
        if as_proposed and proposal is not None and proposal.date_proposal is not None:
            on = proposal.date_proposal.date
        self._attempt(
            lambda: self.case.agree_transfer_date(
                by=by, now=self.now, transfer_id=transfer_id, on=on
            )
        )

    @rule(by=ACTORS, which=WHICH)
    def accept_responsibility(self, by: Actor, which: int) -> None:
        self._attempt(
            lambda: self.case.accept_responsibility(
                by=by, now=self.now, transfer_id=self._transfer_id(which)
            )
        )

    @rule(by=ACTORS, which=WHICH)
    def decline_transfer(self, by: Actor, which: int) -> None:
        self._attempt(
            lambda: self.case.decline_transfer(
                by=by, now=self.now, transfer_id=self._transfer_id(which), reason="Not ours."
            )
        )

    @rule(by=ACTORS, which=WHICH)
    def withdraw_transfer(self, by: Actor, which: int) -> None:
        self._attempt(
            lambda: self.case.withdraw_transfer(
                by=by, now=self.now, transfer_id=self._transfer_id(which), reason="Stayed."
            )
        )

    @precondition(lambda self: self.case.status != CLOSED)
    @rule(by=ACTORS, roll=st.integers(0, 4))
    def close(self, by: Actor, roll: int) -> None:
        if roll == 0:  # rarely, or nothing else would ever happen
            self._attempt(lambda: self.case.close(by=by, now=self.now, reason_code="RC7"))

    @rule(
        step=st.sampled_from(["accept", "decline", "confirm receipt", "withdraw", "share"]),
        which=WHICH,
    )
    def the_right_party_acts(self, step: str, which: int) -> None:
        """The step by the authority whose step it is, so that more steps get through."""
        transfer = self.case.transfers.get(self._transfer_id(which))
        if transfer is None:
            return
        receiving, originating = (
            _actor_for(transfer.to_authority),
            _actor_for(transfer.from_authority),
        )
        if step == "accept":
            self.accept_responsibility(receiving, which)
        elif step == "decline":
            self.decline_transfer(receiving, which)
        elif step == "confirm receipt":
            self.confirm_information_received(receiving, which)
        elif step == "withdraw":
            self.withdraw_transfer(originating, which)
        else:
            self.share_information(originating, which)

    @precondition(lambda self: self.case.status != CLOSED)
    @rule(
        to=st.sampled_from(AUTHORITIES),
        days=DAYS,
        receiving_proposes=st.booleans(),
        skip=st.sampled_from(["nothing", "nothing", "assessment", "information", "agreement"]),
        accept=st.sampled_from(
            [
                "at once",
                "at once, then withdrawn",
                "on the agreed day",
                "late on the agreed day",
                "the day after",
                "not yet",
            ]
        ),
        offset=st.sampled_from([-MICROSECOND, timedelta(0), MICROSECOND, timedelta(hours=1)]),
    )
    def walk_a_transfer_through(
        self,
        to: Actor,
        days: int,
        receiving_proposes: bool,
        skip: str,
        accept: str,
        offset: timedelta,
    ) -> None:
        """The right authorities take the steps in turn (all but ``skip``), so that transfers
        complete; a skipped agreement is attempted by the proposer, which must not count.
        The acceptance comes at once, or the clock first moves to (around) the start of the
        agreed day, to its last microsecond, or to the day after, when it has lapsed; an
        acceptance may be withdrawn just before (or at) the hand-over."""
        active = self.case.active_transfer(self.now)
        originating = _actor_for(self.case.responsible_authority(self.now))
        receiving = _actor_for(active.to_authority) if active is not None else to
        if skip != "assessment":
            self._attempt(lambda: assess(self.case, by=originating, now=self.now))
        if active is None:
            self.propose_transfer(originating, receiving)
        if skip != "information":
            self.share_information(originating, 0)
        proposer, agreer = (
            (receiving, originating) if receiving_proposes else (originating, receiving)
        )
        self.propose_transfer_date(proposer, 0, days)
        self.agree_transfer_date(proposer if skip == "agreement" else agreer, 0, days, True)
        transfer = self.case.transfers.get(self._transfer_id(0))
        agreed = transfer.agreed_date if transfer is not None else None
        if accept == "not yet":
            return
        if agreed is not None and accept != "at once":
            if accept == "on the agreed day":
                self._move_clock(start_of_london_day(agreed) + offset)
            else:
                day_after = start_of_london_day(agreed + timedelta(days=1))
                self._move_clock(
                    day_after - (MICROSECOND if accept.startswith("late") else timedelta(0))
                )
        self.accept_responsibility(receiving, 0)
        if accept.endswith("withdrawn"):
            # Before the hand-over (or, with a zero offset, at it, when it is refused).
            transfer = self.case.transfers.get(self._transfer_id(0))
            if transfer is not None and transfer.effective_at is not None:
                self._move_clock(transfer.effective_at - max(offset, timedelta(0)))
            self.withdraw_transfer(originating, 0)

    # ---- the invariants -----------------------------------------------------------------

    @invariant()
    def one_owner_at_every_instant(self) -> None:
        case, periods = self.case, self.case.periods
        assert periods[0].since == self.opened_at
        for earlier, later in pairwise(periods):
            assert earlier.until == later.since
        for period in periods:
            assert period.until is None or period.since <= period.until
        assert all(p.until is not None for p in periods[:-1])
        closed_at = self.closed_at  # from the CaseClosed event, not from the periods
        assert (case.status == CLOSED) == (closed_at is not None)
        assert periods[-1].until == closed_at
        for t in self._instants(future=True):
            covering = [p.authority for p in periods if p.covers(t)]
            answer = case.responsibility_at(t).authority
            if t < self.opened_at or (closed_at is not None and t >= closed_at):
                assert covering == [] and answer is None, t
            else:
                assert len(covering) == 1 and answer == covering[0], t

    @invariant()
    def the_past_never_changes(self) -> None:
        for t, answer in self.frozen.items():
            now = self.case.responsibility_at(t)
            assert (now.authority, now.since) == answer, t
        self._freeze(self._instants_up_to(self.now, inclusive=False))

    @invariant()
    def the_record_as_known_earlier_agrees_about_its_past(self) -> None:
        known_at = self.opened_at + (self.now - self.opened_at) * self.rng.random()
        known = replay([e for e in self.events if e.timestamp <= known_at])
        for t in self._instants_up_to(known_at, inclusive=True):
            assert known.responsibility_at(t).authority == self.case.responsibility_at(t).authority

    @invariant()
    def at_most_one_transfer_in_progress(self) -> None:
        for t in [self.now, *self._boundaries()]:
            if t >= self.now:
                assert sum(tr.in_progress(t) for tr in self.case.transfers.values()) <= 1
        active = self.case.active_transfer(self.now)
        if active is not None:
            assert self.case.status != CLOSED
            assert active.from_authority == self.case.responsible_authority(self.now)

    @invariant()
    def every_change_of_owner_is_an_accepted_transfer(self) -> None:
        accepted = [
            t for t in self.case.transfers.values() if t.accepted_at and t.ended != "withdrawn"
        ]
        periods = self.case.periods
        assert len(accepted) == len(periods) - 1
        for transfer, before, after in zip(accepted, periods[:-1], periods[1:], strict=True):
            assert transfer.effective_at == after.since
            assert (transfer.from_authority, transfer.to_authority) == (
                before.authority,
                after.authority,
            )
        for transfer in self.case.transfers.values():
            if transfer.accepted_at is not None:
                self._check_acceptance(transfer)

    @invariant()
    def the_events_rebuild_the_case(self) -> None:
        rebuilt = replay(self.events)
        assert rebuilt.periods == self.case.periods
        assert rebuilt.transfers == self.case.transfers
        assert rebuilt.assessments == self.case.assessments
        assert rebuilt.status == self.case.status
        assert rebuilt.version == self.case.version

    # ---- helpers ------------------------------------------------------------------------

    def _attempt(self, command: Callable[[], object]) -> None:
        try:
            command()
        except DomainError:
            assert new_events(self.case) == [], "a refused command recorded something"
        else:
            recorded = new_events(self.case)
            self.events.extend(recorded)
            for event in recorded:
                if isinstance(event, Case.CaseClosed):
                    self.closed_at = event.timestamp

    def _move_clock(self, to: datetime) -> None:
        """Move the clock forward (never back), freezing the answers up to the old now."""
        if to > self.now:
            self._freeze(self._instants_up_to(self.now, inclusive=True))
            self.now = to

    def _transfer_id(self, which: int) -> UUID:
        if which < 0 or not self.transfer_ids:
            return UNKNOWN_TRANSFER
        return self.transfer_ids[-1 - min(which, len(self.transfer_ids) - 1)]

    def _day(self, days: int) -> date:
        return london_date(self.now) + timedelta(days=days)

    def _boundaries(self) -> list[datetime]:
        found = {self.opened_at}
        for period in self.case.periods:
            found.add(period.since)
            if period.until is not None:
                found.add(period.until)
        return sorted(found)

    def _instants(self, *, future: bool) -> Iterable[datetime]:
        """Every boundary and a microsecond either side, now, and a few random instants."""
        last = max([self.now, *self._boundaries()])
        start = self.opened_at - timedelta(days=1)
        end = last + timedelta(days=30) if future else self.now
        for boundary in self._boundaries():
            yield from (boundary - MICROSECOND, boundary, boundary + MICROSECOND)
        yield self.now
        for _ in range(5):
            yield start + (end - start) * self.rng.random()

    def _instants_up_to(self, limit: datetime, *, inclusive: bool) -> list[datetime]:
        return [
            t
            for t in [*self._instants(future=False), limit, limit - MICROSECOND]
            if t < limit or (inclusive and t == limit)
        ]

    def _freeze(self, instants: Iterable[datetime]) -> None:
        for t in instants:
            if t not in self.frozen:
                answer = self.case.responsibility_at(t)
                self.frozen[t] = (answer.authority, answer.since)

    def _check_acceptance(self, transfer: Transfer) -> None:
        """Rules 3, 5 and 6 held when ``transfer`` was accepted."""
        accepted_at, effective_at = transfer.accepted_at, transfer.effective_at
        assert accepted_at is not None and effective_at is not None
        assert transfer.agreed_date is not None and transfer.date_agreed_at is not None
        assert effective_at == max(start_of_london_day(transfer.agreed_date), accepted_at)
        assert effective_at >= accepted_at
        assert transfer.date_agreed_at <= accepted_at
        assert transfer.agreed_date >= london_date(accepted_at)
        assert any(share.recorded_at <= accepted_at for share in transfer.information)
        assert transfer.date_proposal is not None
        assert transfer.date_proposal.date == transfer.agreed_date
        assert transfer.date_proposal.proposed_by != _code_of_agreer(self.events, transfer)
        since = next(
            p.since
            for p in self.case.periods
            if p.authority == transfer.from_authority
            and p.since <= accepted_at
            and (p.until is None or accepted_at <= p.until)
        )
        assert any(
            a.authority == transfer.from_authority and since <= a.recorded_at <= accepted_at
            for a in self.case.assessments
        )


def _code(actor: Actor) -> str:
    assert actor.authority is not None
    return actor.authority


def _actor_for(authority: str | None) -> Actor:
    return next((a for a in AUTHORITIES if a.authority == authority), SOMERSET)


def _code_of_agreer(events: list[Case.Event], transfer: Transfer) -> str | None:
    """Who recorded the agreement of ``transfer``'s date that stood at its acceptance."""
    agreements = [
        e
        for e in events
        if isinstance(e, Case.TransferDateAgreed)
        and e.transfer_id == transfer.transfer_id
        and transfer.accepted_at is not None
        and e.timestamp <= transfer.accepted_at
    ]
    return agreements[-1].actor_authority if agreements else None


def test_the_rules_hold_whatever_is_recorded() -> None:
    run_state_machine_as_test(CaseUnderRandomSteps, settings=SETTINGS)
