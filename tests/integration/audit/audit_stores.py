"""A real store for the audit tests: the application on a fresh SQLite file or PostgreSQL
schema, its read-model engine (migrated, so ``access_log`` exists), and a clock the test
moves. Each test module makes its own fixture from ``audit_store`` (no conftest here:
the ledger's tests share this folder).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

from sqlalchemy import Engine

from service.application import CaseTransferApplication, ChangeRequest
from service.bootstrap import open_service
from service.domain.actors import Actor
from service.settings import Settings
from tests.stores import store

SOMERSET = Actor("Somerset case system", "authority", "933")
BRISTOL = Actor("Bristol case system", "authority", "801")
LEEDS = Actor("Leeds case system", "authority", "383")
MASH = Actor("Somerset MASH", "mash", "933")
AUDITOR = Actor("Auditor", "auditor", None)
START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # a Thursday morning


class Clock:
    """The application's clock: stands still until the test moves it."""

    def __init__(self, instant: datetime = START) -> None:
        self.instant = instant

    def now(self) -> datetime:
        return self.instant

    def advance(self, **delta: float) -> datetime:
        self.instant += timedelta(**delta)
        return self.instant


@dataclass
class AuditStore:
    settings: Settings
    application: CaseTransferApplication
    engine: Engine
    clock: Clock

    def reopen(self) -> AuditStore:
        """Another process's view of the same database (as after a restart)."""
        return open_audit_store(self.settings, self.clock)

    def close(self) -> None:
        self.engine.dispose()
        self.application.close()

    def open_case(self, nhs_number: str | None = None) -> UUID:
        outcome = self.application.open_case(
            SOMERSET,
            ChangeRequest(),
            local_reference=f"SOM-{uuid4().hex[:8]}",
            nhs_number=nhs_number,
            date_of_birth=date(2019, 5, 4),
            expected_date_of_birth=None,
        )
        return outcome.case.id

    def propose(self, case_id: UUID, request: ChangeRequest | None = None) -> UUID:
        outcome = self.application.propose_transfer(
            SOMERSET, case_id, request or ChangeRequest(), to_authority="801", reason="Moved"
        )
        assert outcome.transfer_id is not None
        return outcome.transfer_id


def open_audit_store(settings: Settings, clock: Clock) -> AuditStore:
    service = open_service(settings, clock.now)
    return AuditStore(settings, service.application, service.engine, clock)


@contextmanager
def audit_store(kind: str, tmp_path: Path) -> Iterator[AuditStore]:
    """A fresh store of ``kind`` ("sqlite" or "postgres"), closed afterwards."""
    with store(kind, tmp_path, prefix="audit") as url:
        opened = open_audit_store(Settings(database_url=url, settle_margin_seconds=0), Clock())
        try:
            yield opened
        finally:
            opened.close()
