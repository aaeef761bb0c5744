"""The write baseline: the eventsourcing library alone, loading and saving the same aggregate.

``python -m bench.library spec.json result.json`` takes the cases of its own write
pool through the same hand-over steps as the HTTP load (propose, share information,
confirm receipt, propose a date, agree it, accept, the new authority's assessment),
each step being ``repository.get`` + the ``Case`` command + ``application.save`` on
the same store with the same settings (encryption included), in the same kind of
process, with no HTTP, no authentication, no idempotency record, no retries and no
read models. It runs with each thread count of the spec, one after the other.
"""

from __future__ import annotations

import json
import resource
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from service.application import CaseTransferApplication
from service.bootstrap import check_settings, open_store
from service.domain.calendar import london_date
from service.domain.case import Case
from service.settings import Settings

from .lives import case_system

Step = Callable[[Case, datetime], Any]


def hand_over(pooled: dict[str, str]) -> list[tuple[str, Step]]:
    """The steps of one hand-over of ``pooled``, as the HTTP load sends them."""
    holder, other = case_system(pooled["holder"]), case_system(pooled["other"])
    transfer: list[UUID] = []

    def today(now: datetime) -> Any:
        return london_date(now)

    return [
        (
            "propose",
            lambda c, now: transfer.append(
                c.propose_transfer(
                    by=holder, now=now, to_authority=pooled["other"], reason="Moved."
                )
            ),
        ),
        (
            "share",
            lambda c, now: c.share_information(
                by=holder,
                now=now,
                transfer_id=transfer[0],
                categories=["assessment", "chronology"],
                references=["DOC-1"],
                shared_on=today(now),
            ),
        ),
        (
            "confirm",
            lambda c, now: c.confirm_information_received(
                by=other, now=now, transfer_id=transfer[0]
            ),
        ),
        (
            "propose date",
            lambda c, now: c.propose_transfer_date(
                by=holder, now=now, transfer_id=transfer[0], on=today(now)
            ),
        ),
        (
            "agree date",
            lambda c, now: c.agree_transfer_date(
                by=other, now=now, transfer_id=transfer[0], on=today(now)
            ),
        ),
        (
            "accept",
            lambda c, now: c.accept_responsibility(by=other, now=now, transfer_id=transfer[0]),
        ),
        (
            "assess",
            lambda c, now: c.record_assessment(
                by=other,
                now=now,
                completed_on=today(now),
                factors=["1B"],
                primary_need_code="N1",
                summary="Assessed by the new authority after the hand-over.",
            ),
        ),
    ]


def run(
    application: CaseTransferApplication,
    cases: list[dict[str, str]],
    threads: int,
    spec: dict[str, Any],
) -> dict[str, Any]:
    began = time.perf_counter()
    measure_from, stop_at = began + spec["warmup"], began + spec["warmup"] + spec["duration"]
    latencies: list[float] = []
    steps: dict[str, list[float]] = {}
    lock = threading.Lock()

    def worker(mine: list[dict[str, str]]) -> None:
        turn = 0
        while time.perf_counter() < stop_at and mine:
            pooled = mine[turn % len(mine)]
            turn += 1
            for name, step in hand_over(pooled):  # a started hand-over is always finished
                started = time.perf_counter()
                case: Case = application.repository.get(UUID(pooled["case_id"]))
                step(case, max(datetime.now(tz=UTC), case.modified_on))
                application.save(case)
                ended = time.perf_counter()
                if measure_from <= ended <= stop_at:
                    with lock:
                        latencies.append((ended - started) * 1000)
                        steps.setdefault(name, []).append((ended - started) * 1000)
            pooled["holder"], pooled["other"] = pooled["other"], pooled["holder"]

    cpu = resource.getrusage(resource.RUSAGE_SELF)
    pool = [threading.Thread(target=worker, args=(cases[n::threads],)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    used = resource.getrusage(resource.RUSAGE_SELF)
    elapsed = time.perf_counter() - began
    return {
        "threads": threads,
        "seconds": spec["duration"],
        "latencies_ms": latencies,
        "steps_ms": steps,
        "failures": {},
        "cpu_percent": round(
            100 * (used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime) / elapsed, 1
        ),
    }


def main() -> int:
    spec = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    settings = Settings()
    check_settings(settings)
    application = open_store(settings)
    try:
        results = [run(application, spec["cases"], threads, spec) for threads in spec["threads"]]
    finally:
        application.close()
    Path(sys.argv[2]).write_text(json.dumps(results), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
