"""Fixtures for read-model tests: a real event store and its read models, on a fresh
SQLite file and (when CASE_TRANSFER_TEST_POSTGRES_URL is set) a fresh PostgreSQL schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from service.application import CaseTransferApplication
from service.bootstrap import open_service
from service.projections.projector import Projector
from service.settings import Settings
from tests.stores import store


class Clock:
    """A settable clock for the application; starts at a fixed Thursday morning."""

    def __init__(self, start: datetime) -> None:
        self.instant = start

    def now(self) -> datetime:
        return self.instant


@dataclass
class ReadStore:
    """An application, its read-model engine and a projector over the live tables."""

    settings: Settings
    application: CaseTransferApplication
    engine: Engine
    projector: Projector
    clock: Clock

    def reopen(self) -> ReadStore:
        """A second process's view of the same database: its own application and engine."""
        return open_read_store(self.settings, self.clock)

    def close(self) -> None:
        self.engine.dispose()
        self.application.close()


def open_read_store(settings: Settings, clock: Clock) -> ReadStore:
    service = open_service(settings, clock.now)
    return ReadStore(settings, service.application, service.engine, service.projector, clock)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with store(request.param, tmp_path, prefix="rm") as url:
        yield url


@pytest.fixture
def read_store(database_url: str) -> Iterator[ReadStore]:
    from datetime import UTC

    clock = Clock(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    opened = open_read_store(Settings(database_url=database_url, settle_margin_seconds=0), clock)
    try:
        yield opened
    finally:
        opened.close()


OpenReadStore = Callable[[Settings, Clock], ReadStore]
