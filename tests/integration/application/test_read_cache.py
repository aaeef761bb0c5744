"""The read cache: a cached case is brought forward by every event recorded since, even
by another process, so reading from it is exactly as current as loading the case."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import uuid4

import pytest
from eventsourcing.application import AggregateNotFoundError

from service.application import CaseTransferApplication, ChangeRequest
from service.application.read_cache import CaseReadCache
from service.bootstrap import open_store
from service.domain.actors import Actor
from service.domain.case import Case
from service.settings import Settings
from tests.stores import store

SOMERSET = Actor("Somerset case system", "authority", "933")


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    with store(request.param, tmp_path, prefix="cache") as url:
        yield Settings(database_url=url)


def open_application(settings: Settings) -> CaseTransferApplication:
    clock = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    return open_store(settings, lambda: clock)


def open_case(application: CaseTransferApplication, reference: str = "SOM-1") -> Case:
    return application.open_case(
        SOMERSET,
        ChangeRequest(),
        local_reference=reference,
        nhs_number=None,
        date_of_birth=date(2019, 5, 4),
        expected_date_of_birth=None,
    ).case


@pytest.fixture
def cached_then_changed(settings: Settings) -> Iterator[tuple[CaseReadCache, Case]]:
    """A reader's cache holding a case at version 1, and the case, which another process
    (the writer) has since given a new local reference: "SOM-2", version 2."""
    reader, writer = open_application(settings), open_application(settings)
    try:
        case = open_case(writer)
        cache = CaseReadCache(reader.events)
        assert cache.read(case.id, lambda c: c.version) == 1
        writer.record_local_reference(SOMERSET, case.id, ChangeRequest(), reference="SOM-2")
        yield cache, case
    finally:
        reader.close()
        writer.close()


def version_and_references(case: Case) -> tuple[int, dict[str, str]]:
    return case.version, dict(case.local_references)


class TestReading:
    def test_sees_what_another_process_recorded_after_it_was_cached(
        self, cached_then_changed: tuple[CaseReadCache, Case]
    ) -> None:
        cache, case = cached_then_changed
        assert cache.read(case.id, version_and_references) == (2, {"933": "SOM-2"})

    def test_an_id_that_is_no_case_is_not_found(self, settings: Settings) -> None:
        application = open_application(settings)
        try:
            with pytest.raises(AggregateNotFoundError):
                CaseReadCache(application.events).read(uuid4(), lambda c: c.version)
        finally:
            application.close()

    def test_keeps_at_most_maxsize_cases_and_still_reads_an_evicted_one(
        self, settings: Settings
    ) -> None:
        application = open_application(settings)
        try:
            cases = [open_case(application, f"SOM-{n}") for n in range(3)]
            cache = CaseReadCache(application.events, maxsize=2)
            for case in cases:
                cache.read(case.id, lambda c: c.version)
            assert len(cache._entries) == 2
            assert cases[0].id not in cache._entries
            assert cache.read(cases[0].id, lambda c: c.id) == cases[0].id
        finally:
            application.close()

    def test_a_case_an_event_failed_halfway_through_changing_is_not_kept(
        self, cached_then_changed: tuple[CaseReadCache, Case], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The failed read raises; the next one starts again from the events, so nothing
        the failed event had already changed is ever shown."""
        cache, case = cached_then_changed

        def halfway(event: Case.LocalReferenceRecorded, aggregate: Case) -> None:
            aggregate.local_references["801"] = "HALF-APPLIED"  # not the event's own key
            raise RuntimeError("failed halfway")

        with monkeypatch.context() as patched:
            patched.setattr(Case.LocalReferenceRecorded, "apply", halfway)
            with pytest.raises(RuntimeError):
                cache.read(case.id, lambda c: c.version)
        assert cache.read(case.id, version_and_references) == (2, {"933": "SOM-2"})
