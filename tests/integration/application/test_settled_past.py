"""Rule 3 exactly: no answer about an instant already past changes while acceptances commit
(issue 15, item 12).

An acceptance for today used to take effect at its recorded time, read before its
commit; a reader asking in between got the old authority for an instant that, after
the commit, had the new one. Now it takes effect a settle margin after it is recorded
and is rolled back (and run again) if it is not ready to commit within half of it.
The tests hold the store's write lock from another connection, as a competing writer
does, so each commit comes well after its recorded time; on a fresh SQLite file and
PostgreSQL schema, real clocks.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from service.application import CaseTransferApplication, ChangeRequest
from service.bootstrap import open_store
from service.domain.actors import Actor
from service.domain.calendar import london_date
from service.settings import Settings
from tests.integration.projections.processes import information_shared
from tests.stores import store

SOMERSET = Actor("Somerset case system", "authority", "933")
BRISTOL = Actor("Bristol case system", "authority", "801")
MASH = Actor("Somerset MASH", "mash", "933")
ACCEPTED = "ResponsibilityAccepted"
HOLD = 0.08  # seconds a competing writer keeps the lock while an acceptance waits


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with store(request.param, tmp_path, prefix="settle") as url:
        yield url


def ready_to_accept(application: CaseTransferApplication) -> tuple[UUID, UUID]:
    """A Somerset case whose transfer to Bristol only needs Bristol's acceptance, today."""
    case_id, transfer_id = information_shared(application, 1)
    today = london_date(application.clock())
    application.propose_transfer_date(BRISTOL, case_id, transfer_id, ChangeRequest(), on=today)
    application.agree_transfer_date(SOMERSET, case_id, transfer_id, ChangeRequest(), on=today)
    return case_id, transfer_id


@contextmanager
def write_lock_held(url: str, seconds: float) -> Iterator[list[datetime]]:
    """Another connection takes the store's write lock and keeps it ``seconds``; the list
    gets the instant it let go."""
    taken, released = threading.Event(), []

    def hold() -> None:
        if url.startswith("sqlite:///"):
            connection: Any = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
            connection.execute("BEGIN IMMEDIATE")
        else:
            import psycopg

            base, _, query = url.partition("?schema=")
            connection = psycopg.connect(base)
            connection.execute(
                f'LOCK TABLE "{query}".casetransferapplication_events IN EXCLUSIVE MODE'
            )
        taken.set()
        time.sleep(seconds)
        connection.commit()
        released.append(datetime.now(UTC))
        connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    taken.wait(5)
    try:
        yield released
    finally:
        holder.join()


Answers = list[tuple[UUID, datetime, str | None]]
"""What a reader was told: the case, the instant it asked about ("now"), the authority."""


@contextmanager
def reading_continuously(reader: CaseTransferApplication, cases: list[UUID]) -> Iterator[Answers]:
    """Ask who is responsible for each case now, again and again, until the block ends."""
    answers: Answers = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            for case_id in cases:
                instant = reader.clock()  # "now", as the route reads it
                answer = reader.responsibility(MASH, case_id, at=instant)
                answers.append((case_id, instant, answer.authority))

    reading = threading.Thread(target=read)
    reading.start()
    try:
        yield answers
    finally:
        stop.set()
        reading.join()


def answers_changed_since(writer: CaseTransferApplication, answers: Answers) -> Answers:
    """The answers the record, asked again now about the same instants, gives otherwise."""
    return [
        (case_id, instant, authority)
        for case_id, instant, authority in answers
        if writer.responsibility(MASH, case_id, at=instant).authority != authority
    ]


def read_after(
    answers: Answers,
    cases: list[UUID],
    instants: list[datetime],
    within: float = 30.0,
) -> None:
    """Wait until the reader has asked about each case at or after its instant (each
    change has taken effect and been seen): on a busy machine one pass of the reader
    over the cases can take longer than any fixed pause."""
    deadline = time.monotonic() + within
    while not all(
        any(c == case_id and i >= instant for c, i, _ in list(answers))
        for case_id, instant in zip(cases, instants, strict=True)
    ):
        assert time.monotonic() < deadline, "the reader never asked after the changes"
        time.sleep(0.05)


def accepted_at(application: CaseTransferApplication, case_id: UUID) -> tuple[datetime, datetime]:
    """The recorded time and effective instant of the case's acceptance."""
    [event] = [e for e in application.events.get(case_id) if type(e).__name__ == ACCEPTED]
    return event.timestamp, event.effective_at  # type: ignore[attr-defined]


class TestAnswersAboutThePast:
    def test_never_change_while_acceptances_commit(self, database_url: str) -> None:
        margin = 1.0
        settings = Settings(database_url=database_url, settle_margin_seconds=margin)
        writer, reader = open_store(settings), open_store(settings)
        try:
            cases = [ready_to_accept(writer) for _ in range(4)]
            case_ids = [case_id for case_id, _ in cases]
            with reading_continuously(reader, case_ids) as answers:
                for case_id, transfer_id in cases:
                    with write_lock_held(database_url, HOLD):
                        writer.accept_responsibility(BRISTOL, case_id, transfer_id, ChangeRequest())
                read_after(
                    answers, case_ids, [accepted_at(writer, case_id)[1] for case_id in case_ids]
                )

            changed = answers_changed_since(writer, answers)
            assert changed == []
            for case_id, _ in cases:  # the reader asked before, between and after
                recorded, effective = accepted_at(writer, case_id)
                assert effective == recorded + timedelta(seconds=margin)
                mine = [(i, a) for c, i, a in answers if c == case_id]
                assert any(i >= recorded and a == "933" for i, a in mine)
                assert any(i >= effective and a == "801" for i, a in mine)
        finally:
            writer.close()
            reader.close()

    def test_a_commit_later_than_half_the_margin_is_rolled_back_and_run_again(
        self, database_url: str
    ) -> None:
        margin = 0.4
        settings = Settings(database_url=database_url, settle_margin_seconds=margin)
        application = open_store(settings)
        try:
            case_id, transfer_id = ready_to_accept(application)
            version: int = application.repository.get(case_id).version

            with write_lock_held(database_url, margin) as released:
                outcome = application.accept_responsibility(
                    BRISTOL, case_id, transfer_id, ChangeRequest()
                )

            recorded, effective = accepted_at(application, case_id)
            assert recorded >= released[0]  # the first try, recorded before, was undone
            assert effective == recorded + timedelta(seconds=margin)
            assert outcome.case.version == application.repository.get(case_id).version
            assert application.repository.get(case_id).version == version + 1
        finally:
            application.close()


def closed_at(application: CaseTransferApplication, case_id: UUID) -> tuple[datetime, datetime]:
    """The recorded time of the case's closure and the instant nobody is responsible."""
    [event] = [e for e in application.events.get(case_id) if type(e).__name__ == "CaseClosed"]
    return event.timestamp, event.closes_at  # type: ignore[attr-defined]


class TestClosures:
    def test_never_change_an_answer_about_the_past_while_they_commit(
        self, database_url: str
    ) -> None:
        """A closure ends responsibility like an acceptance moves it: a margin after it is
        recorded, its commit within half of it."""
        margin = 1.0
        settings = Settings(database_url=database_url, settle_margin_seconds=margin)
        writer, reader = open_store(settings), open_store(settings)
        try:
            cases = [
                writer.open_case(
                    SOMERSET,
                    ChangeRequest(),
                    local_reference=f"SOM-CLOSE-{n}",
                    nhs_number=None,
                    date_of_birth=datetime(2019, 5, 4).date(),
                    expected_date_of_birth=None,
                ).case.id
                for n in range(3)
            ]
            with reading_continuously(reader, cases) as answers:
                for case_id in cases:
                    with write_lock_held(database_url, HOLD):
                        writer.close_case(SOMERSET, case_id, ChangeRequest(), reason_code="RC7")
                read_after(answers, cases, [closed_at(writer, case_id)[1] for case_id in cases])

            changed = answers_changed_since(writer, answers)
            assert changed == []
            for case_id in cases:
                recorded, closes_at = closed_at(writer, case_id)
                assert closes_at == recorded + timedelta(seconds=margin)
                mine = [(i, a) for c, i, a in answers if c == case_id]
                assert any(i >= recorded and a == "933" for i, a in mine)
                assert any(i >= closes_at and a is None for i, a in mine)
        finally:
            writer.close()
            reader.close()
