"""Workloads, the read models' oracle, and projector and writer OS processes.

The oracle is the event store itself: every case's rows as ``rows_of`` derives them
from the case loaded from the store, and the number of case events in the log. A
read model is right when its whole tables equal the oracle's and its position row
counts exactly the case events up to its position.

Run as ``python -m tests.integration.projections.processes <role> …``, a child is one process
with its own application object and engine, as one ``case-transfer serve`` replica
is. It prints ``ready`` once built and starts on a ``go`` line on its stdin; a
projector stops when its stdin closes. Each prints one JSON line of what it did.
"""

from __future__ import annotations

import json
import os
import random
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.persistence import Notification
from sqlalchemy import Connection, Engine, Table
from sqlalchemy import select as sql_select

from service.adapters.sql import open_engine
from service.adapters.tables import positions
from service.application import CaseTransferApplication, ChangeRequest
from service.application.idempotency import RequestIdentity
from service.bootstrap import open_store
from service.domain.actors import Actor
from service.domain.calendar import london_date
from service.domain.case import CASE_TOPICS, Case
from service.projections.projector import Batch, Projector
from service.projections.rows import Row, rows_of
from service.projections.tables import LIVE, READ_MODELS
from service.settings import Settings
from tests.paths import REPOSITORY

SOMERSET = Actor("Somerset case system", "authority", "933")
BRISTOL = Actor("Bristol case system", "authority", "801")
PAGE = 1000
T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # the children's clock, as the fixtures' starts
STILL = 0
"""The settle margin of stores whose clock stands still or jumps: off, so an acceptance for
today takes effect at once (the margin has its own tests: test_settled_past.py)."""

Tables = dict[str, list[Row]]


# ---- workloads ---------------------------------------------------------------------------


def random_nhs_number() -> str:
    """A random NHS number with a valid Modulus 11 check digit."""
    while True:
        digits = [random.randint(0, 9) for _ in range(9)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        check = 0 if check == 11 else check
        if check != 10 and len(set(digits)) > 1:
            return "".join(map(str, digits)) + str(check)


def keyed() -> ChangeRequest:
    """A request under a fresh Idempotency-Key: it also records a remembered request."""
    return ChangeRequest(identity=RequestIdentity.of("tests", uuid4().hex, "POST", "/", {}))


def information_shared(application: CaseTransferApplication, n: int) -> tuple[UUID, UUID]:
    """A Somerset case (an NHS number and a key on every other ``n``), assessed, with a
    transfer to Bristol proposed and information shared: (case id, transfer id)."""
    today = london_date(application.clock())
    opened = application.open_case(
        SOMERSET,
        keyed() if n % 2 == 0 else ChangeRequest(),
        local_reference=f"SOM-{n}-{uuid4().hex[:6]}",
        nhs_number=random_nhs_number() if n % 2 == 0 else None,
        date_of_birth=date(2019, 5, 4),
        expected_date_of_birth=None,
    )
    case_id = opened.case.id
    application.record_assessment(
        SOMERSET,
        case_id,
        ChangeRequest(),
        completed_on=today,
        factors=["2B", "3A"],
        primary_need_code="N1",
        summary="Parental drug misuse and domestic abuse.",
    )
    proposed = application.propose_transfer(
        SOMERSET, case_id, keyed(), to_authority="801", reason="The family moved"
    )
    transfer_id = proposed.transfer_id
    assert transfer_id is not None
    application.share_information(
        SOMERSET,
        case_id,
        transfer_id,
        ChangeRequest(),
        categories=["assessment"],
        references=["DOC-1"],
        shared_on=today,
    )
    return case_id, transfer_id


def hand_over(application: CaseTransferApplication, n: int) -> UUID:
    """Open a case (an NHS number and a key on every other one) and walk a transfer to
    Bristol; ``n`` picks the ending: accepted, accepted then closed, declined, or
    accepted for a future date."""
    case_id, transfer_id = information_shared(application, n)
    today = london_date(application.clock())
    if n % 4 == 2:
        application.decline_transfer(
            BRISTOL, case_id, transfer_id, ChangeRequest(), reason="Not our area"
        )
        return case_id
    on = today + timedelta(days=1) if n % 4 == 3 else today
    application.propose_transfer_date(BRISTOL, case_id, transfer_id, ChangeRequest(), on=on)
    application.agree_transfer_date(SOMERSET, case_id, transfer_id, ChangeRequest(), on=on)
    application.accept_responsibility(BRISTOL, case_id, transfer_id, keyed())
    application.record_local_reference(BRISTOL, case_id, ChangeRequest(), reference=f"BRI-{n}")
    if n % 4 == 1:
        application.close_case(BRISTOL, case_id, ChangeRequest(), reason_code="RC1")
    return case_id


def walked_case(now: datetime) -> Case:
    """A case built in memory and walked to an accepted transfer: eight pending events."""
    today = london_date(now)
    case = Case.open(
        by=SOMERSET,
        now=now,
        local_reference=f"SOM-{uuid4().hex[:8]}",
        nhs_number=None,
        date_of_birth=date(2019, 5, 4),
        expected_date_of_birth=None,
    )
    case.record_assessment(
        by=SOMERSET,
        now=now,
        completed_on=today,
        factors=["3A"],
        primary_need_code="N1",
        summary="Neglect.",
    )
    transfer_id = case.propose_transfer(by=SOMERSET, now=now, to_authority="801", reason="Moved")
    case.share_information(
        by=SOMERSET,
        now=now,
        transfer_id=transfer_id,
        categories=["assessment"],
        references=["DOC-1"],
        shared_on=today,
    )
    case.propose_transfer_date(by=BRISTOL, now=now, transfer_id=transfer_id, on=today)
    case.agree_transfer_date(by=SOMERSET, now=now, transfer_id=transfer_id, on=today)
    case.accept_responsibility(by=BRISTOL, now=now, transfer_id=transfer_id)
    case.record_local_reference(by=BRISTOL, now=now, reference="BRI-1")
    return case


def record_backlog(application: CaseTransferApplication, cases: int, *, chunk: int = 50) -> None:
    """A large backlog quickly: ``cases`` cases of eight events, saved ``chunk`` at a time,
    with a case opened through the application (child index, remembered request)
    between chunks so that non-case events are spread through the log."""
    now = application.clock()
    for n, start in enumerate(range(0, cases, chunk)):
        application.save(*(walked_case(now) for _ in range(min(chunk, cases - start))))
        hand_over(application, 2 * n)


# ---- the oracle ----------------------------------------------------------------------------


def notifications(
    application: CaseTransferApplication, topics: Sequence[str], upto: int | None = None
) -> Iterator[Notification]:
    """Every notification with one of ``topics``, up to ``upto`` (the head by default)."""
    start = 0
    while True:
        page = application.recorder.select_notifications(
            start=start, limit=PAGE, stop=upto, topics=topics, inclusive_of_start=False
        )
        yield from page
        if len(page) < PAGE:
            return
        start = page[-1].id


def case_events(application: CaseTransferApplication, upto: int | None = None) -> int:
    """How many case events the log holds (up to ``upto``)."""
    return sum(1 for _ in notifications(application, CASE_TOPICS, upto))


def expected_tables(application: CaseTransferApplication, upto: int | None = None) -> Tables:
    """Every read-model table as it must be once the events up to ``upto`` are applied."""
    versions: dict[UUID, int] = {}
    for notification in notifications(application, CASE_TOPICS, upto):
        versions[UUID(str(notification.originator_id))] = notification.originator_version
    tables: Tables = {table.name: [] for table in LIVE.all()}
    for case_id, version in versions.items():
        case: Case = application.repository.get(case_id, version=version)
        for table, rows in zip(
            LIVE.all(), rows_of(case, application.index_key).by_table(), strict=True
        ):
            tables[table.name].extend(rows)
    return {name: sorted(rows, key=_key_of(name)) for name, rows in tables.items()}


def actual_tables(engine: Engine) -> Tables:
    """Every row of every read-model table, as committed."""
    with engine.connect() as connection:
        return {table.name: _rows(connection, table) for table in LIVE.all()}


def _rows(connection: Connection, table: Table) -> list[Row]:
    rows = [dict(row) for row in connection.execute(sql_select(table)).mappings()]
    return sorted(rows, key=_key_of(table.name))


def _key_of(name: str) -> Any:
    columns = [c.name for c in next(t for t in LIVE.all() if t.name == name).primary_key]
    return lambda row: tuple(row[c] for c in columns)


def position_row(engine: Engine) -> tuple[int, int]:
    """The committed (position, events_applied) of the live read models."""
    with engine.connect() as connection:
        row = connection.execute(
            sql_select(positions.c.position, positions.c.events_applied).where(
                positions.c.name == READ_MODELS
            )
        ).one()
    return int(row.position), int(row.events_applied)


# ---- child processes -----------------------------------------------------------------------


class Child:
    """One child process: lines to and from it, bounded in time, its stderr in a file."""

    def __init__(self, process: subprocess.Popen[bytes], log: Path) -> None:
        self.process = process
        self.log = log
        self._buffer = b""

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def read_line(self, timeout: float) -> str:
        """The next line the child prints; fails (with its stderr) after ``timeout``."""
        assert self.process.stdout is not None
        stdout = self.process.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no line from the child in {timeout} s:\n{self.output()}")
            ready, _, _ = select.select([stdout], [], [], remaining)
            if ready:
                chunk = os.read(stdout, 65536)
                if not chunk:
                    self.process.wait(timeout=timeout)
                    raise AssertionError(
                        f"the child exited ({self.process.returncode}):\n{self.output()}"
                    )
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode()

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line.encode() + b"\n")
        self.process.stdin.flush()

    def finish(self, timeout: float) -> dict[str, Any]:
        """Close its stdin (stop), wait for it to exit 0, and return its JSON report."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        report: dict[str, Any] = json.loads(self.read_line(timeout))
        assert self.process.wait(timeout=timeout) == 0, self.output()
        return report

    def kill(self) -> None:
        """SIGKILL: no shutdown, no rollback by the child, whatever was open stays open."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


@contextmanager
def children(log_dir: Path) -> Iterator[list[Child]]:
    """A list to ``start`` children into; every one still running is killed on the way out."""
    started: list[Child] = []
    log_dir.mkdir(parents=True, exist_ok=True)
    try:
        yield started
    finally:
        for child in started:
            child.kill()
            for stream in (child.process.stdin, child.process.stdout):
                if stream is not None:
                    stream.close()


def start(started: list[Child], log_dir: Path, *args: str) -> Child:
    """Start ``python -m tests.integration.projections.processes *args``, added to ``started``."""
    log = log_dir / f"{args[0]}-{len(started)}.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.projections.processes", *args],
            cwd=REPOSITORY,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            start_new_session=True,
        )
    child = Child(process, log)
    started.append(child)
    return child


def _open(url: str) -> tuple[CaseTransferApplication, Engine]:
    settings = Settings(database_url=url, settle_margin_seconds=STILL)
    return open_store(settings, lambda: T0), open_engine(settings)


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _project(url: str, batch: int) -> None:
    """Catch up again and again until stdin closes, then once more; report the events."""
    application, engine = _open(url)
    projector = Projector(application, engine)
    projector.BATCH = batch
    stopping = threading.Event()
    _say("ready")
    assert sys.stdin.readline().strip() == "go"
    threading.Thread(target=_stop_at_end_of_input, args=(stopping,), daemon=True).start()
    applied = batches = 0
    while not stopping.is_set():
        progress = projector.catch_up()
        applied += progress.events
        batches += 1
        if progress.events == 0:
            stopping.wait(0.005)  # caught up: give the writers the lock for a moment
    applied += projector.catch_up().events
    _say(json.dumps({"events": applied, "catch_ups": batches, "position": projector.position()}))


def _stop_at_end_of_input(stopping: threading.Event) -> None:
    sys.stdin.read()
    stopping.set()


def _write(url: str, cases: int, offset: int) -> None:
    """Record ``cases`` hand-overs through the application's commands."""
    application, _ = _open(url)
    _say("ready")
    assert sys.stdin.readline().strip() == "go"
    for n in range(cases):
        hand_over(application, offset + n)
    _say(json.dumps({"cases": cases}))


class HoldingProjector(Projector):
    """Stops inside batch ``hold_at``, its rows written and the position locked, and
    says so: the parent kills it there."""

    hold_at = 0
    applied = 0

    def _write_rows(self, connection: Connection, batch: Batch) -> None:
        super()._write_rows(connection, batch)
        self.applied += 1
        if self.applied == self.hold_at:
            _say(f"holding {batch.events}")
            sys.stdin.read()  # never returns before the kill


def _hold(url: str, batch: int, hold_at: int) -> None:
    application, engine = _open(url)
    projector = HoldingProjector(application, engine)
    projector.BATCH, projector.hold_at = batch, hold_at
    _say("ready")
    assert sys.stdin.readline().strip() == "go"
    progress = projector.catch_up()
    _say(json.dumps({"events": progress.events, "position": progress.position}))
    sys.stdin.read()


def main(argv: list[str]) -> None:
    role, url, *numbers = argv
    if role == "project":
        _project(url, int(numbers[0]))
    elif role == "write":
        _write(url, int(numbers[0]), int(numbers[1]))
    elif role == "hold":
        _hold(url, int(numbers[0]), int(numbers[1]))
    else:
        raise SystemExit(f"unknown role {role!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
