"""A rebuild's passes: cases split so that none is pushed out of memory and loaded again.

The open cases are counted here from the log itself (each case's first and last
position, by ``select_notifications``), independently of the plan's own aggregate.
Each test runs on a fresh SQLite file and on a fresh PostgreSQL schema.
"""

from __future__ import annotations

from collections import Counter
from uuid import UUID

from service.application import CaseTransferApplication
from service.domain.case import CASE_TOPICS
from service.projections.partitions import BUCKETS, bucket_of, last_versions, plan, select_pass
from service.projections.replay import rebuild

from .conftest import ReadStore
from .histories import SOMERSET, assess, open_case, read_live, snapshot

CASES = 12


def interleaved(read_store: ReadStore) -> list[UUID]:
    """Cases all open at once: each opened, then each assessed in turn, twice."""
    application, now = read_store.application, read_store.clock.now()
    cases = [open_case(application, SOMERSET, f"REF-{n}") for n in range(CASES)]
    for _ in range(2):
        for case_id in cases:
            assess(application, SOMERSET, case_id, now)
    read_store.projector.catch_up()
    return cases


def spans(application: CaseTransferApplication) -> dict[UUID | str, tuple[int, int]]:
    """Each case's first and last position in the log."""
    found: dict[UUID | str, tuple[int, int]] = {}
    for notification in application.recorder.select_notifications(
        start=1, limit=10_000, topics=CASE_TOPICS
    ):
        first, _ = found.get(notification.originator_id, (notification.id, 0))
        found[notification.originator_id] = (first, notification.id)
    return found


def peak_open(spans: dict[UUID | str, tuple[int, int]], buckets: str) -> int:
    """The most cases of ``buckets`` between their first and last event at one position."""
    chosen = [span for case_id, span in spans.items() if bucket_of(case_id) in buckets]
    positions = {p for span in chosen for p in span}
    return max((sum(first <= at < last for first, last in chosen) for at in positions), default=0)


class TestPasses:
    def test_each_pass_keeps_at_most_the_buffer_open_and_every_case_is_in_one(
        self, read_store: ReadStore
    ) -> None:
        cases = interleaved(read_store)
        application = read_store.application
        head = int(application.recorder.max_notification_id() or 0)
        found = spans(application)

        planned = plan(application, head, CASE_TOPICS, buffer=3)

        assert sorted("".join(planned.passes)) == sorted(BUCKETS)
        assert len(planned.passes) > 1
        for buckets in planned.passes:
            assert len(buckets) == 1 or peak_open(found, buckets) <= 3, buckets
        last = [last_versions(application, head, CASE_TOPICS, b) for b in planned.passes]
        assert {case_id: v for each in last for case_id, v in each.items()} == {
            case_id: 3 for case_id in cases
        }
        assert sum(len(each) for each in last) == CASES  # each case in one pass's share
        for buckets, each in zip(planned.passes, last, strict=True):
            assert all(bucket_of(case_id) in buckets for case_id in each)
        assert planned.events == 3 * CASES

    def test_a_pass_reads_only_its_own_cases_events_in_its_window_in_log_order(
        self, read_store: ReadStore
    ) -> None:
        interleaved(read_store)
        application = read_store.application
        head = int(application.recorder.max_notification_id() or 0)
        everything = application.recorder.select_notifications(
            start=1, limit=10_000, topics=CASE_TOPICS
        )

        for buckets in ("0123", "4567", "89ab", "cdef", BUCKETS):
            read = select_pass(application, after=0, stop=head, topics=CASE_TOPICS, buckets=buckets)
            assert read == [n for n in everything if bucket_of(n.originator_id) in buckets]
        window = select_pass(
            application, after=5, stop=head - 5, topics=CASE_TOPICS, buckets=BUCKETS
        )
        assert window == [n for n in everything if 5 < n.id <= head - 5]

    def test_no_case_is_loaded_again_when_the_buffer_holds_each_bucket(
        self, read_store: ReadStore
    ) -> None:
        interleaved(read_store)
        application = read_store.application
        found = spans(application)
        largest = max(peak_open(found, bucket) for bucket in BUCKETS)

        rebuilt = rebuild(application, read_store.engine, buffer=max(largest, 1))

        live, (position, applied) = read_live(read_store.engine)
        with read_store.engine.connect() as connection:
            assert snapshot(connection, rebuilt.tables) == live
        assert (rebuilt.position, rebuilt.events) == (position, applied)
        assert rebuilt.reloads == 0
        assert rebuilt.passes > 1

    def test_one_pass_when_the_buffer_holds_every_open_case(self, read_store: ReadStore) -> None:
        interleaved(read_store)

        rebuilt = rebuild(read_store.application, read_store.engine, buffer=CASES)

        assert (rebuilt.passes, rebuilt.reloads) == (1, 0)

    def test_a_bucket_over_the_buffer_alone_is_loaded_again_and_still_right(
        self, read_store: ReadStore
    ) -> None:
        cases = interleaved(read_store)
        crowded = Counter(bucket_of(case_id) for case_id in cases).most_common(1)[0][1]

        rebuilt = rebuild(read_store.application, read_store.engine, buffer=1)

        live, _ = read_live(read_store.engine)
        with read_store.engine.connect() as connection:
            assert snapshot(connection, rebuilt.tables) == live
        assert (rebuilt.reloads > 0) == (crowded > 1)
