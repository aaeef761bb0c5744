"""A rebuild from the log equals the read models built incrementally, whatever the history.

A hypothesis state machine records random histories through the application: three
authorities opening cases (some for the same child), recording references and
assessments, and taking transfers through every step, ending them every way
(accepted for today or a later day, declined, withdrawn, the case closed), by the
right party or a wrong one (refused, recording nothing), while the clock moves on by
seconds to days. The live projector catches up at random points and in random batch
sizes, so a case's events land in several batches. At the end the live tables are
brought to the head and a rebuild into shadow tables (in random batch sizes, keeping
few or many unfinished cases in memory) must equal them row for row; ``compare`` must
agree.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from contextlib import ExitStack, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar
from uuid import UUID

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)

from service.application import CaseTransferApplication
from service.domain.actors import Actor
from service.domain.calendar import london_date
from service.domain.case import Case
from service.domain.case.transfer import Transfer
from service.domain.errors import DomainError
from service.projections.check import compare
from service.projections.replay import rebuild
from service.settings import Settings
from tests.stores import postgres_base_url, store

from .conftest import Clock, open_read_store
from .histories import AUTHORITIES, NO_REQUEST, assess, share, snapshot

NHS_NUMBERS = [None, None, "9434765919", "9434765870"]
STEPS = st.one_of(
    st.integers(1, 120).map(lambda s: timedelta(seconds=s)),
    st.integers(1, 24 * 60).map(lambda m: timedelta(minutes=m)),
    st.integers(1, 4 * 24 * 3600).map(lambda s: timedelta(seconds=s)),
)
ORIGINATING = ("assess", "propose", "share", "withdraw", "close", "propose date")
RECEIVING = ("confirm", "accept", "decline", "agree date")
BATCHES = st.sampled_from([1, 2, 5, 500])
BUFFERS = st.sampled_from([1, 2, 20_000])
"""Unfinished cases a rebuild keeps: 1 and 2 make it load cases again from the store."""
ENDINGS = ("accept", "accept", "decline", "withdraw", "close", "leave")


class HistoriesThroughTheApplication(RuleBasedStateMachine):
    kind: ClassVar[str] = "sqlite"

    def __init__(self) -> None:
        super().__init__()
        self.resources = ExitStack()
        directory = Path(self.resources.enter_context(tempfile.TemporaryDirectory()))
        url = self.resources.enter_context(store(self.kind, directory, prefix="hyp"))
        self.clock = Clock(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
        self.store = open_read_store(Settings(database_url=url), self.clock)
        self.resources.callback(self.store.close)
        self.application: CaseTransferApplication = self.store.application
        self.cases: list[UUID] = []
        self.rebuild_batch = 500
        self.rebuild_buffer = 20_000

    @initialize(
        live=BATCHES,
        rebuilt=BATCHES,
        buffer=BUFFERS,
        openers=st.lists(st.sampled_from(AUTHORITIES), min_size=1, max_size=3),
    )
    def open_the_first_cases(
        self, live: int, rebuilt: int, buffer: int, openers: list[Actor]
    ) -> None:
        self.store.projector.BATCH = live
        self.rebuild_batch, self.rebuild_buffer = rebuilt, buffer
        for opener in openers:
            self.open_case(opener, None)

    @rule(step=STEPS)
    def time_passes(self, step: timedelta) -> None:
        self.clock.instant += step

    @precondition(lambda self: len(self.cases) < 5)
    @rule(by=st.sampled_from(AUTHORITIES), nhs_number=st.sampled_from(NHS_NUMBERS))
    def open_case(self, by: Actor, nhs_number: str | None) -> None:
        def command() -> None:
            outcome = self.application.open_case(
                by,
                NO_REQUEST,
                local_reference=f"REF-{len(self.cases)}",
                nhs_number=nhs_number,
                date_of_birth=None,
                expected_date_of_birth=london_date(self.clock.now()) + timedelta(days=30),
            )
            self.cases.append(outcome.case.id)

        _attempt(command)

    @precondition(lambda self: self.cases)
    @rule(
        which=st.integers(0, 20),
        step=st.sampled_from([*ORIGINATING, *RECEIVING, "reference"]),
        right_party=st.booleans(),
        wrong=st.sampled_from(AUTHORITIES),
        to=st.sampled_from(AUTHORITIES),
        days=st.integers(-1, 8),
    )
    def take_a_step(
        self, which: int, step: str, right_party: bool, wrong: Actor, to: Actor, days: int
    ) -> None:
        """One step on a case, by the party whose step it is or by any authority."""
        case_id = self.cases[which % len(self.cases)]
        case: Case = self.application.repository.get(case_id)
        transfer = _latest(case)
        by = wrong
        if right_party:
            by = _actor(case.responsible_authority(self.clock.now()) or "933")
            if step in RECEIVING and transfer is not None:
                by = _actor(transfer.to_authority)
        self._step(case_id, transfer, step, by, to, days)

    @precondition(lambda self: self.cases)
    @rule(
        which=st.integers(0, 20),
        other=st.integers(1, 2),
        days=st.integers(0, 8),
        ending=st.sampled_from(ENDINGS),
        pause=st.sampled_from([timedelta(0), timedelta(seconds=1), timedelta(hours=5)]),
    )
    def walk_a_transfer_through(
        self, which: int, other: int, days: int, ending: str, pause: timedelta
    ) -> None:
        """Every step by the right party in turn, so that transfers end every way often."""
        case_id = self.cases[which % len(self.cases)]
        case: Case = self.application.repository.get(case_id)
        frm = _actor(case.responsible_authority(self.clock.now()) or "933")
        to = AUTHORITIES[(AUTHORITIES.index(frm) + other) % len(AUTHORITIES)]
        self._step(case_id, None, "assess", frm, to, days)
        self._step(case_id, None, "propose", frm, to, days)
        transfer = _latest(self.application.repository.get(case_id))
        if transfer is None:
            return
        steps = ["share", "confirm", "propose date", "agree date"]
        for step in [*steps, ending]:
            by = to if step in RECEIVING else frm
            self._step(case_id, transfer, step, by, to, days)
            self.clock.instant += pause
        if ending == "close":
            self._step(case_id, transfer, "withdraw", frm, to, days)
            self._step(case_id, transfer, "close", frm, to, days)

    @rule(to_the_head=st.booleans())
    def the_live_projector_runs(self, to_the_head: bool) -> None:
        if to_the_head:
            self.store.projector.catch_up()
        else:
            next(self.store.projector.batches())

    def teardown(self) -> None:
        try:
            self._check_a_rebuild_equals_the_live_tables()
        finally:
            self.resources.close()

    def _check_a_rebuild_equals_the_live_tables(self) -> None:
        projector, engine = self.store.projector, self.store.engine
        reached = projector.catch_up().position
        rebuilt = rebuild(
            self.application, engine, batch=self.rebuild_batch, buffer=self.rebuild_buffer
        )
        assert rebuilt.position == reached == projector.head()
        with engine.connect() as connection:
            assert snapshot(connection, rebuilt.tables) == snapshot(connection)
        comparison = compare(self.application, engine, rebuilt)
        assert comparison.differences == []
        assert comparison.position == reached

    def _step(
        self, case_id: UUID, transfer: Transfer | None, step: str, by: Actor, to: Actor, days: int
    ) -> None:
        app, now = self.application, self.clock.now()
        transfer_id = transfer.transfer_id if transfer is not None else UUID(int=0)
        on = london_date(now) + timedelta(days=days)
        if step == "agree date" and transfer is not None:
            case: Case = app.repository.get(case_id)  # the proposal as it stands now
            proposal = case.transfers[transfer_id].date_proposal
            on = proposal.date if proposal is not None else on
        commands = {
            "reference": lambda: app.record_local_reference(
                by, case_id, NO_REQUEST, reference=f"THEIRS-{days}"
            ),
            "assess": lambda: assess(app, by, case_id, now),
            "propose": lambda: app.propose_transfer(
                by, case_id, NO_REQUEST, to_authority=str(to.authority), reason="Moved."
            ),
            "share": lambda: share(app, by, case_id, transfer_id, now),
            "confirm": lambda: app.confirm_information_received(
                by, case_id, transfer_id, NO_REQUEST
            ),
            "propose date": lambda: app.propose_transfer_date(
                by, case_id, transfer_id, NO_REQUEST, on=on
            ),
            "agree date": lambda: app.agree_transfer_date(
                by, case_id, transfer_id, NO_REQUEST, on=on
            ),
            "accept": lambda: app.accept_responsibility(by, case_id, transfer_id, NO_REQUEST),
            "decline": lambda: app.decline_transfer(
                by, case_id, transfer_id, NO_REQUEST, reason="Not ours."
            ),
            "withdraw": lambda: app.withdraw_transfer(
                by, case_id, transfer_id, NO_REQUEST, reason="Stayed."
            ),
            "close": lambda: app.close_case(by, case_id, NO_REQUEST, reason_code="RC7"),
        }
        if step in commands:
            _attempt(commands[step])


def _attempt(command: Callable[[], object]) -> None:
    """Run a command; a refusal is part of a random history (it records nothing)."""
    with suppress(DomainError):
        command()


def _latest(case: Case) -> Transfer | None:
    return list(case.transfers.values())[-1] if case.transfers else None


def _actor(authority: str) -> Actor:
    return next(a for a in AUTHORITIES if a.authority == authority)


SETTINGS = settings(
    stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def test_on_sqlite_a_rebuild_equals_the_incremental_build() -> None:
    run_state_machine_as_test(
        HistoriesThroughTheApplication, settings=settings(SETTINGS, max_examples=15)
    )


class OnPostgres(HistoriesThroughTheApplication):
    kind = "postgres"


def test_on_postgres_a_rebuild_equals_the_incremental_build() -> None:
    postgres_base_url()  # skips, saying how to run it, when no PostgreSQL is configured
    run_state_machine_as_test(OnPostgres, settings=settings(SETTINGS, max_examples=8))
