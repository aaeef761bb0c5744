"""Fill a store with a realistic national year of cases, quickly, through the application.

``python -m bench.generate --url sqlite:///var/bench.sqlite3 --scale 1`` records, at
scale 1, 50,000 cases opened over the year ending now across the 150 authorities,
about 10,000 transfers left at every stage, and about half a million case events
(assessments and their corrections, local references, information shares, date
proposals, closures). ``--scale 10`` is ten years; below 1, a sample of one year's cases
(0.05: 2,500 cases over the year). The encryption key, if any, is
``CASE_TRANSFER_ENCRYPTION_KEY``, as for the service.

Speed comes from saving many aggregates in one ``application.save(...)``: a case and
its child-index entry are always in the same save (as ``open_case`` and ``close_case``
save them), every case is new or owned by this process, and every child has an NHS
number of its own, so no two aggregates in a save can conflict and no invariant of
the application is bypassed. The domain's commands check every step, as they do for
requests.
"""

from __future__ import annotations

import argparse
import heapq
import json
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from service.application import CaseTransferApplication
from service.bootstrap import check_settings, open_store
from service.domain.case import Case
from service.domain.reference import authorities
from service.settings import Settings

from .lives import Life, Lives, Tally, nhs_numbers

CASES_A_YEAR = 50_000
DAYS_A_YEAR = 365
SAMPLE = 2_000


@dataclass(frozen=True)
class Generated:
    """What was recorded, how long it took, and a random sample of the cases.

    Each sampled case is ``[case id, opening authority]``: the opening authority is a
    party to the case for good, so it may always read it.
    """

    scale: float
    seconds: float
    cases: int
    closed: int
    transfers: int
    stages: dict[str, int]
    case_events: int
    events: int
    events_per_second: float
    first_at: str
    last_at: str
    sample_cases: list[tuple[str, str]]


def generate(
    application: CaseTransferApplication,
    *,
    scale: float,
    end: datetime,
    seed: int = 1,
    batch: int = 500,
    on_progress: Callable[[int, int], None] | None = None,
) -> Generated:
    """Record ``scale`` years ending at ``end``, saving ``batch`` aggregates at a time."""
    started = time.monotonic()
    rng = random.Random(seed)
    days = DAYS_A_YEAR * max(1.0, scale)  # below 1, a sample of one year's cases
    start = end - timedelta(days=days)
    opens = sorted(
        start + timedelta(seconds=rng.uniform(0, days * 86_400))
        for _ in range(round(CASES_A_YEAR * scale))
    )
    touched: dict[UUID, Aggregate] = {}
    tally = Tally()
    sample: list[tuple[str, str]] = []
    counts = Counter[str]()

    def touch(aggregate: Aggregate) -> None:
        touched[aggregate.id] = aggregate

    def opened(case_id: UUID, authority: str) -> None:  # reservoir: every case equally likely
        if len(sample) < SAMPLE:
            sample.append((str(case_id), authority))
        elif (slot := rng.randrange(tally.opened)) < SAMPLE:
            sample[slot] = (str(case_id), authority)

    def flush() -> None:
        aggregates = list(touched.values())
        touched.clear()
        for first in range(0, len(aggregates), batch):
            chunk = aggregates[first : first + batch]
            counts["case"] += sum(len(a.pending_events) for a in chunk if isinstance(a, Case))
            counts["all"] += len(application.save(*chunk))

    lives = Lives(rng, list(authorities()), touch, tally, application.index_key)
    numbers = nhs_numbers(rng.randrange(100_000_000, 500_000_000))
    heap: list[tuple[datetime, int, Life]] = []
    sequence = 0

    def resume(life: Life) -> None:
        """Run the step due now and schedule the next one, unless it falls after ``end``."""
        nonlocal sequence
        when = next(life, None)
        if when is not None and when <= end:
            sequence += 1
            heapq.heappush(heap, (when, sequence, life))

    following = 0
    while following < len(opens) or heap:
        if following < len(opens) and (not heap or opens[following] <= heap[0][0]):
            at = opens[following]
            following += 1
            resume(lives.life(at, lives.child(at, next(numbers)), opened))
        else:
            resume(heapq.heappop(heap)[2])
        if len(touched) >= batch:
            flush()
            if on_progress is not None:
                on_progress(following, len(opens))
    flush()
    seconds = time.monotonic() - started
    stages = Counter(
        "completed" if stage == "accepted" and tally.effective[tid] <= end else stage
        for tid, stage in tally.stages.items()
    )
    return Generated(
        scale=scale,
        seconds=round(seconds, 2),
        cases=tally.opened,
        closed=tally.closed,
        transfers=len(tally.stages),
        stages=dict(sorted(stages.items())),
        case_events=counts["case"],
        events=counts["all"],
        events_per_second=round(counts["all"] / seconds) if seconds else 0,
        first_at=start.isoformat(),
        last_at=end.isoformat(),
        sample_cases=sample,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    parser.add_argument("--url", help="database URL (default: CASE_TRANSFER_DATABASE_URL)")
    parser.add_argument("--scale", type=float, default=1.0, help="years of data (default 1)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=500, help="aggregates per save")
    parser.add_argument("--json", type=Path, help="also write the summary to this file")
    args = parser.parse_args(argv)
    settings = Settings(database_url=args.url) if args.url else Settings()
    check_settings(settings)
    application = open_store(settings)
    try:
        if application.recorder.max_notification_id():
            parser.error("the store already holds events: generate into a fresh one")
        summary = generate(
            application,
            scale=args.scale,
            end=datetime.now(tz=UTC),
            seed=args.seed,
            batch=args.batch,
            on_progress=_Progress(),
        )
    finally:
        application.close()
    shown: dict[str, Any] = asdict(summary)
    shown.pop("sample_cases")
    print(json.dumps(shown, indent=2), flush=True)
    if args.json is not None:
        args.json.write_text(json.dumps(asdict(summary)), encoding="utf-8")
    return 0


class _Progress:
    """A line every 5,000 cases, so a long generation shows it is moving."""

    def __init__(self) -> None:
        self.shown = 0

    def __call__(self, done: int, total: int) -> None:
        if done - self.shown >= 5_000:
            self.shown = done
            print(f"  {done:,} of {total:,} cases opened", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
