"""A long case read after a restart answers the same from a snapshot as from its events,
and a snapshot that is unreadable or not of the case's history is never used.

Snapshots are a cache of the read cache's first reads (``service.application.snapshots``):
each read here is by a freshly started app (its read cache cold), on a case of a few
hundred events stored encrypted, on both stores.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic
from fastapi.testclient import TestClient
from pydantic import SecretStr

from bench.prepare import history_case
from service.adapters.keys import new_encryption_key
from service.application import CaseTransferApplication
from service.application.snapshots import CaseSnapshot, start_from
from service.asgi import create_app
from service.bootstrap import open_store
from service.domain.case import Case
from service.settings import Settings
from tests.stores import store

from .support import Clock

EVENTS = 240


def _answers(settings: Settings, now: datetime, token: str, case_id: UUID) -> list[Any]:
    """What a just-started service answers about the case at ``now`` (its read cache cold)."""
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(settings, clock=lambda: now), raise_server_exceptions=True) as c:
        answers = []
        for path in ("", "/responsibility", "/timeline"):
            response = c.get(f"/v1/cases/{case_id}{path}", headers=headers)
            assert response.status_code == 200, response.text
            answers.append(response.json())
        return answers


def _as_of(application: CaseTransferApplication, case_id: UUID, version: int) -> Case:
    known: Any = None
    for event in application.events.get(case_id, lte=version):
        assert isinstance(event, Case.Event)
        known = event.mutate(known)
    assert isinstance(known, Case)
    return known


def test_a_snapshot_changes_no_answer_and_a_bad_one_is_not_used(
    database_url: str, principals: tuple[Path, dict[str, str]], clock: Clock
) -> None:
    on = Settings(
        database_url=database_url,
        principals_file=principals[0],
        encryption_key=SecretStr(new_encryption_key()),
        snapshot_interval=100,
    )
    off = on.model_copy(update={"snapshot_interval": 0})
    token = principals[1]["somerset"]
    writer = open_store(off)
    try:
        case = history_case(EVENTS, "933", "801", clock.now() - timedelta(days=1))
        writer.save(case)
        now = clock.now()  # the same instant for every app: answers about "now" compare
        without = _answers(off, now, token, case.id)

        # A sound snapshot, with events after it: used, and every answer is the same.
        writer_on = open_store(on)
        try:
            assert writer_on.snapshots is not None
            writer_on.snapshots.put([CaseSnapshot.take(_as_of(writer_on, case.id, 200))])
            started = start_from(writer_on.snapshots, writer_on.events, case.id)
            assert started is not None  # used, and brought forward by the 40 events after it
            assert vars(started) == vars(_as_of(writer_on, case.id, EVENTS))
            assert _answers(on, now, token, case.id) == without

            # A snapshot claiming a version whose event it has not applied (one skipped):
            # another history's, not used.
            skipped = CaseSnapshot.take(_as_of(writer_on, case.id, 209))
            writer_on.snapshots.put([CaseSnapshot(**{**vars(skipped), "originator_version": 210})])
            assert start_from(writer_on.snapshots, writer_on.events, case.id) is None
            assert _answers(on, now, token, case.id) == without

            # A row that does not decrypt: not used.
            garbage = StoredEvent(case.id, 220, get_topic(CaseSnapshot), b"not a snapshot")
            writer_on.snapshots.recorder.insert_events([garbage])
            assert start_from(writer_on.snapshots, writer_on.events, case.id) is None
            assert _answers(on, now, token, case.id) == without
        finally:
            writer_on.close()
    finally:
        writer.close()


def test_a_save_past_the_interval_leaves_a_snapshot_of_the_case_as_saved(
    database_url: str, principals: tuple[Path, dict[str, str]], clock: Clock
) -> None:
    settings = Settings(database_url=database_url, snapshot_interval=100)
    in_clear = open_store(settings)
    try:
        assert in_clear.snapshots is None  # without encryption, never: none is authenticated
    finally:
        in_clear.close()
    key = SecretStr(new_encryption_key())
    application = open_store(settings.model_copy(update={"encryption_key": key}))
    try:
        case = history_case(120, "933", "801", clock.now() - timedelta(days=1))
        application.save(case)
        assert application.snapshots is not None
        (snapshot,) = application.snapshots.get(case.id)
        assert snapshot.originator_version == 120
        restored = start_from(application.snapshots, application.events, case.id)
        assert restored is not None and vars(restored) == vars(_as_of(application, case.id, 120))
    finally:
        application.close()


def test_a_store_without_the_snapshots_table_starts_without_snapshots(tmp_path: Path) -> None:
    """PostgreSQL, ``CREATE_TABLES=false``, an owner who has not started the service since
    snapshots came: the service starts, reads and writes, keeping no snapshots."""
    with store("postgres", tmp_path, prefix="nosnap") as url:
        key = SecretStr(new_encryption_key())
        owner = Settings(database_url=url, snapshot_interval=0, encryption_key=key)
        open_store(owner).close()  # the owner's start, before snapshots
        application = open_store(
            owner.model_copy(update={"create_tables": False, "snapshot_interval": 100})
        )
        try:
            assert application.snapshots is None
            case = history_case(120, "933", "801", datetime.now(UTC) - timedelta(days=1))
            application.save(case)
            assert application.read_cache.read(case.id, lambda c: c.version) == 120
        finally:
            application.close()
