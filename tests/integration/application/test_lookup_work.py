"""An NHS-number lookup does the same work whether or not the child has cases.

An authority that is no party to a child's cases gets an empty answer either way; if
the lookup of a child with cases took longer, the time would tell it what the answer
hides. Tests never time things: they count the store's reads, and what kind each is,
on real stores. (The README's security section gives the times measured.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from service.application import CaseTransferApplication, ChangeRequest
from service.application.queries import LOOKUP_CASE_READS
from service.bootstrap import open_store
from service.domain.actors import Actor
from service.settings import Settings
from tests.e2e.api.support import random_nhs_number
from tests.stores import store

SOMERSET = Actor("Somerset case system", "authority", "933")
LEEDS = Actor("Leeds case system", "authority", "383")
MASH = Actor("Somerset MASH", "mash", "933")


@pytest.fixture(params=["sqlite", "postgres"])
def application(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    with store(request.param, tmp_path, prefix="lookup") as url:
        now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
        app = open_store(Settings(database_url=url), lambda: now)
        try:
            yield app
        finally:
            app.close()


Read = tuple[bool, int]
"""One store read: whether it asked for every event (a full load) rather than those
after a version, and how many events it answered."""


def reads_made(app: CaseTransferApplication, lookup: Callable[[], object]) -> list[Read]:
    """The store reads ``lookup`` made, in order."""
    recorder: Any = app.recorder
    made: list[Read] = []
    select = recorder.select_events

    def counting(*args: Any, **kwargs: Any) -> Any:
        answered = select(*args, **kwargs)
        made.append((kwargs.get("gt") is None, len(answered)))
        return answered

    recorder.select_events = counting
    try:
        lookup()
    finally:
        del recorder.select_events
    return made


def child_with_cases(app: CaseTransferApplication, count: int) -> str:
    """An NHS number whose child Somerset opened ``count`` cases for, all but the last closed."""
    nhs = random_nhs_number()
    for n in range(count):
        case = app.open_case(
            SOMERSET,
            ChangeRequest(),
            local_reference=f"SOM-{n}",
            nhs_number=nhs,
            date_of_birth=date(2019, 5, 4),
            expected_date_of_birth=None,
        ).case
        if n < count - 1:
            app.close_case(SOMERSET, case.id, ChangeRequest(), reason_code="RC7")
    return nhs


def warm_lookup_reads(app: CaseTransferApplication, actor: Actor, nhs: str) -> list[Read]:
    """The reads of a lookup once the process has read the child's cases before."""
    app.cases_for_child(actor, nhs)
    return reads_made(app, lambda: app.cases_for_child(actor, nhs))


class TestLookupWork:
    @pytest.mark.parametrize("count", range(1, LOOKUP_CASE_READS + 1))
    def test_a_child_with_cases_costs_a_non_party_what_a_child_without_does(
        self, application: CaseTransferApplication, count: int
    ) -> None:
        nhs_with = child_with_cases(application, count)
        nhs_without = random_nhs_number()

        with_cases = warm_lookup_reads(application, LEEDS, nhs_with)
        without = warm_lookup_reads(application, LEEDS, nhs_without)

        assert application.cases_for_child(LEEDS, nhs_with)[0] == []
        assert with_cases == without
        # the index, then the cases: each the events after a version, none new
        assert without == [(False, 0)] * (1 + LOOKUP_CASE_READS)

    def test_the_first_lookup_makes_the_same_reads_whether_or_not_there_are_cases(
        self, application: CaseTransferApplication
    ) -> None:
        """The same queries; only the events they answer differ (README, security)."""
        nhs_with, nhs_without = child_with_cases(application, 1), random_nhs_number()

        with_cases = reads_made(application, lambda: application.cases_for_child(LEEDS, nhs_with))
        without = reads_made(application, lambda: application.cases_for_child(LEEDS, nhs_without))

        assert [full for full, _ in with_cases] == [full for full, _ in without]
        assert without == [(False, 0)] * (1 + LOOKUP_CASE_READS)

    def test_the_first_lookup_of_a_child_without_cases_reads_as_a_later_one(
        self, application: CaseTransferApplication
    ) -> None:
        nhs = random_nhs_number()

        first = reads_made(application, lambda: application.cases_for_child(LEEDS, nhs))

        assert first == warm_lookup_reads(application, LEEDS, nhs)

    def test_those_who_may_see_the_cases_still_get_them_all_newest_first(
        self, application: CaseTransferApplication
    ) -> None:
        nhs = child_with_cases(application, LOOKUP_CASE_READS + 1)

        for actor in (SOMERSET, MASH):
            cases, _ = application.cases_for_child(actor, nhs)
            references = [case.local_references["933"] for case in cases]
            assert references == [f"SOM-{n}" for n in reversed(range(LOOKUP_CASE_READS + 1))]

    def test_a_child_with_more_cases_than_the_floor_reads_each(
        self, application: CaseTransferApplication
    ) -> None:
        nhs = child_with_cases(application, LOOKUP_CASE_READS + 1)

        assert len(warm_lookup_reads(application, LEEDS, nhs)) == 1 + LOOKUP_CASE_READS + 1
