"""The event feed (``service.audit.feed``): every case event in log order, resumable by
position, never skipping or repeating one while cases are being changed."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.api.schemas import History
from service.audit.feed import MAX_LIMIT, MAX_POSITION, RecordedEvent, read_feed
from service.domain.actors import Actor
from service.domain.case import CASE_TOPICS
from service.domain.errors import Forbidden, InvalidInput
from tests.integration.projections.processes import children, hand_over, keyed, start

from .audit_stores import AUDITOR, MASH, SOMERSET, AuditStore, audit_store


@pytest.fixture(params=["sqlite", "postgres"])
def audited(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AuditStore]:
    with audit_store(request.param, tmp_path) as opened:
        yield opened


def case_log(audited: AuditStore) -> list[tuple[int, str, int]]:
    """The oracle: every case event in the log, as (position, case id, version)."""
    recorder = audited.application.recorder
    notifications = recorder.select_notifications(start=None, limit=1_000_000, topics=CASE_TOPICS)
    return [(n.id, str(n.originator_id), n.originator_version) for n in notifications]


def keys(events: list[RecordedEvent]) -> list[tuple[int, str, int]]:
    return [(e.position, str(e.case_id), e.version) for e in events]


def follow(audited: AuditStore, limit: int, after: int | None = None) -> list[RecordedEvent]:
    """Page through the feed to its end, each time from the last page's last_position."""
    seen: list[RecordedEvent] = []
    while True:
        page = read_feed(audited.application, AUDITOR, after=after, limit=limit)
        seen.extend(page.events)
        after = page.last_position
        if not page.more:
            return seen


class TestReadingTheFeed:
    def test_lists_every_case_event_in_log_order_and_nothing_else(
        self, audited: AuditStore
    ) -> None:
        for n in range(3):
            hand_over(audited.application, n)  # with child index entries and keyed requests

        page = read_feed(audited.application, AUDITOR, after=None, limit=MAX_LIMIT)

        assert keys(page.events) == case_log(audited)
        assert {e.type for e in page.events} >= {"CaseOpened", "ResponsibilityAccepted"}
        head = audited.application.recorder.max_notification_id()
        assert len(page.events) < (head or 0)  # the index's and requests' entries are left out

    def test_pages_followed_by_last_position_neither_skip_nor_repeat(
        self, audited: AuditStore
    ) -> None:
        for n in range(4):
            hand_over(audited.application, n)

        assert keys(follow(audited, limit=3)) == case_log(audited)

    def test_next_page_is_announced_only_when_the_limit_cut_the_page_short(
        self, audited: AuditStore
    ) -> None:
        hand_over(audited.application, 1)  # nine case events, no keyed requests
        total = len(case_log(audited))

        cut = read_feed(audited.application, AUDITOR, after=None, limit=total - 1)
        whole = read_feed(audited.application, AUDITOR, after=None, limit=total + 1)

        assert cut.more and cut.last_position == cut.events[-1].position
        assert not whole.more and len(whole.events) == total

    def test_a_caught_up_page_resumes_past_entries_that_are_not_case_events(
        self, audited: AuditStore
    ) -> None:
        case_id = audited.open_case()
        audited.propose(case_id, keyed())  # the log ends with the remembered request
        head = audited.application.recorder.max_notification_id()
        assert head is not None

        page = read_feed(audited.application, AUDITOR, after=None, limit=10)

        assert page.events[-1].position < head
        assert page.last_position == head and not page.more

    def test_a_page_after_the_head_is_empty_and_stays_where_it_was_asked(
        self, audited: AuditStore
    ) -> None:
        audited.open_case()
        head = audited.application.recorder.max_notification_id()
        assert head is not None

        page = read_feed(audited.application, AUDITOR, after=head + 5, limit=10)

        assert page.events == [] and page.last_position == head + 5 and not page.more

    def test_shows_each_event_as_the_case_history_does(self, audited: AuditStore) -> None:
        case_id = hand_over(audited.application, 0)
        history = History.of(case_id, audited.application.history(AUDITOR, case_id))

        page = read_feed(audited.application, AUDITOR, after=None, limit=MAX_LIMIT)
        mine = [e for e in page.events if e.case_id == case_id]

        assert [(e.type, e.version, e.recorded_at, e.data) for e in mine] == [
            (h.type, h.version, h.recorded_at, h.data.model_dump()) for h in history.events
        ]
        assert mine[0].actor == SOMERSET

    def test_positions_are_the_same_after_a_restart(self, audited: AuditStore) -> None:
        for n in range(2):
            hand_over(audited.application, n)
        before = follow(audited, limit=4)
        restarted = audited.reopen()
        try:
            after = follow(restarted, limit=5)
        finally:
            restarted.close()

        assert keys(after) == keys(before)


class TestRefusals:
    @pytest.mark.parametrize("actor", [SOMERSET, MASH], ids=["authority", "mash"])
    def test_is_for_auditors_only(self, audited: AuditStore, actor: Actor) -> None:
        with pytest.raises(Forbidden) as refused:
            read_feed(audited.application, actor, after=None, limit=10)

        assert refused.value.code == "feed-for-auditors"

    @pytest.mark.parametrize("limit", [0, -1, MAX_LIMIT + 1])
    def test_refuses_a_limit_outside_1_to_1000(self, audited: AuditStore, limit: int) -> None:
        with pytest.raises(InvalidInput) as refused:
            read_feed(audited.application, AUDITOR, after=None, limit=limit)

        assert refused.value.code == "invalid-limit"

    @pytest.mark.parametrize("after", [-1, MAX_POSITION + 1])
    def test_refuses_a_position_no_log_can_hold(self, audited: AuditStore, after: int) -> None:
        with pytest.raises(InvalidInput) as refused:
            read_feed(audited.application, AUDITOR, after=after, limit=10)

        assert refused.value.code == "invalid-position"


class TestFollowingWhileWriting:
    def test_a_follower_sees_exactly_the_final_log_while_processes_write(
        self, audited: AuditStore, tmp_path: Path
    ) -> None:
        """Four writer processes record hand-overs while this one follows the feed in
        small pages; the follower must end with the log's case events, each once, in
        order, having caught up (an empty or short page) while writing went on."""
        url = audited.settings.database_url
        seen: list[RecordedEvent] = []
        caught_up_while_writing = 0
        with children(tmp_path / "logs") as started:
            writers = [
                start(started, tmp_path / "logs", "write", url, "12", str(100 * w))
                for w in range(4)
            ]
            for writer in writers:
                assert writer.read_line(timeout=60) == "ready"
            for writer in writers:
                writer.send("go")
            after = None
            deadline = time.monotonic() + 240
            while any(w.process.poll() is None for w in writers):
                assert time.monotonic() < deadline, "the writers did not finish"
                page = read_feed(audited.application, AUDITOR, after=after, limit=7)
                seen.extend(page.events)
                after = page.last_position
                caught_up_while_writing += not page.more
            reports = [writer.finish(timeout=60) for writer in writers]
        seen.extend(follow(audited, limit=7, after=after))

        assert [r["cases"] for r in reports] == [12] * 4
        assert keys(seen) == case_log(audited)
        assert caught_up_while_writing > 0
