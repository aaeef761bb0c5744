"""Cases the scenarios need beyond the national data set: long histories and write pools.

``history_case`` records a case of exactly ``size`` events: a child's case handed back
and forth between two authorities over the years, each hand-over with its assessment,
information shares, a date proposed and agreed, acceptance and the new authority's
reference. ``write_pool`` opens cases whose responsible authority has just assessed the
child, ready for a transfer: the load (over HTTP) and the library-alone baseline each
get a pool of their own, so neither one's history grows the other's.

``python -m bench.prepare --json out.json`` records them in the store named by
``CASE_TRANSFER_DATABASE_URL`` and writes their ids to ``out.json``.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from service.application import CaseTransferApplication
from service.bootstrap import check_settings, open_store
from service.domain.actors import Actor
from service.domain.calendar import london_date, start_of_london_day
from service.domain.case import Case
from service.domain.reference import authorities
from service.settings import Settings

from .lives import SUMMARY, case_system

BIRTH = date(2015, 6, 1)


class _History:
    """Steps one case through hand-overs until it has exactly ``size`` events."""

    def __init__(self, size: int, first: str, second: str, start: datetime) -> None:
        self.size = size
        self.holder, self.other = case_system(first), case_system(second)
        self.at = start
        self.case = Case.open(
            by=self.holder,
            now=start,
            local_reference=f"{first}-H{size}",
            nhs_number=None,
            date_of_birth=BIRTH,
            expected_date_of_birth=None,
        )

    def full(self) -> bool:
        return self.case.version >= self.size

    def next(self, hours: float = 2) -> datetime:
        self.at += timedelta(hours=hours)
        return self.at

    def hand_over(self) -> None:
        case, holder, other = self.case, self.holder, self.other
        steps: list[Callable[[], object]] = [
            lambda: case.record_assessment(
                by=holder,
                now=self.next(),
                completed_on=london_date(self.at),
                factors=["2B", "3A"],
                primary_need_code="N1",
                summary=SUMMARY,
            ),
            lambda: case.propose_transfer(
                by=holder, now=self.next(), to_authority=str(other.authority), reason="Moved."
            ),
        ]
        for step in steps:
            if self.full():
                return
            step()
        transfer = next(reversed(case.transfers.values())).transfer_id
        on = london_date(self.at) + timedelta(days=1)
        acts: list[Callable[[], object]] = [
            lambda: case.share_information(
                by=holder,
                now=self.next(),
                transfer_id=transfer,
                categories=["assessment", "chronology"],
                references=["DOC-1"],
                shared_on=london_date(self.at),
            ),
            lambda: case.share_information(
                by=holder,
                now=self.next(),
                transfer_id=transfer,
                categories=["case notes"],
                references=[],
                shared_on=london_date(self.at),
            ),
            lambda: case.confirm_information_received(
                by=other, now=self.next(), transfer_id=transfer
            ),
            lambda: case.propose_transfer_date(
                by=holder, now=self.next(), transfer_id=transfer, on=on
            ),
            lambda: case.agree_transfer_date(
                by=other, now=self.next(), transfer_id=transfer, on=on
            ),
            lambda: case.accept_responsibility(by=other, now=self.next(), transfer_id=transfer),
        ]
        for act in acts:
            if self.full():
                return
            act()
        # The next hand-over begins the morning after, never before the acceptance (one
        # begun late in the day accepts after 09:00 of the agreed day).
        self.at = max(self.at, start_of_london_day(on) + timedelta(hours=9))
        self.holder, self.other = other, holder
        if not self.full():
            reference = f"{other.authority}-H{self.size}-{case.version}"
            case.record_local_reference(by=other, now=self.next(), reference=reference)


def history_case(size: int, first: str, second: str, end: datetime) -> Case:
    """A case of exactly ``size`` events, the last of them recorded before ``end``."""
    start = end - timedelta(days=size // 9 * 2 + 10)
    history = _History(size, first, second, start)
    while not history.full():
        history.hand_over()
    return history.case


def write_pool(count: int, rng: random.Random, now: datetime) -> list[tuple[Case, Actor, Actor]]:
    """``count`` cases just opened and assessed, each with the authority it will go to."""
    codes = list(authorities())
    pool = []
    for n in range(count):
        first, second = rng.sample(codes, 2)
        holder = case_system(first)
        case = Case.open(
            by=holder,
            now=now - timedelta(hours=2),
            local_reference=f"{first}-W{n}",
            nhs_number=None,
            date_of_birth=BIRTH,
            expected_date_of_birth=None,
        )
        case.record_assessment(
            by=holder,
            now=now - timedelta(hours=1),
            completed_on=london_date(now - timedelta(hours=1)),
            factors=["1B"],
            primary_need_code="N1",
            summary=SUMMARY,
        )
        pool.append((case, holder, case_system(second)))
    return pool


def prepare(
    application: CaseTransferApplication,
    *,
    sizes: Sequence[int],
    per_size: int,
    write_cases: int,
    seed: int = 2,
) -> dict[str, Any]:
    """Record the history cases and two write pools, for the load's spec.

    Each history case is given as ``[case id, opening authority]``, a party that may read it.
    """
    rng = random.Random(seed)
    now = datetime.now(tz=UTC)
    codes = list(authorities())
    histories: dict[str, list[tuple[str, str]]] = {}
    for size in sizes:
        cases = []
        for _ in range(per_size):
            first, second = rng.sample(codes, 2)
            cases.append(history_case(size, first, second, now))
            application.save(cases[-1])
        histories[str(size)] = [(str(case.id), case.periods[0].authority) for case in cases]
    pools: dict[str, list[dict[str, str]]] = {}
    for name in ("server", "library"):
        pool = write_pool(write_cases, rng, now)
        application.save(*(case for case, _, _ in pool))
        pools[name] = [_pooled(case.id, holder, other) for case, holder, other in pool]
    return {"history": histories, "writes": pools}


def _pooled(case_id: UUID, holder: Actor, other: Actor) -> dict[str, str]:
    return {"case_id": str(case_id), "holder": str(holder.authority), "other": str(other.authority)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.prepare", description=__doc__)
    parser.add_argument("--history-sizes", default="10,100,1000")
    parser.add_argument("--history-cases", type=int, default=20, help="cases of each size")
    parser.add_argument("--write-cases", type=int, default=64, help="cases in each write pool")
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args(argv)
    settings = Settings()
    check_settings(settings)
    application = open_store(settings)
    try:
        prepared = prepare(
            application,
            sizes=[int(size) for size in args.history_sizes.split(",")],
            per_size=args.history_cases,
            write_cases=args.write_cases,
        )
    finally:
        application.close()
    args.json.write_text(json.dumps(prepared), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
