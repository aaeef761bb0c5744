"""``case-transfer deliver`` processes: killed mid-delivery, nothing is lost and nothing is
accepted twice; several on one PostgreSQL never send the same notification at once.

The workers are real processes; the receiver a real HTTP server verifying every
signature with the ``standardwebhooks`` package and keeping each webhook-id once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from service.adapters.principals import add_principal
from tests.e2e.notifications.receivers import Receiver, Reply, fast_settings, wait_until
from tests.e2e.notifications.workers import (
    api_without_delivery,
    deliver_processes,
    expected_positions,
    subscribe,
)
from tests.stores import store

from .servers import development_principals

DEADLINE = 30.0


def principals_of(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The development principals, and the Leeds MASH the API tests' callers expect."""
    path, tokens = development_principals(tmp_path)
    tokens["leeds-mash"] = add_principal(path, name="Leeds MASH", role="mash", authority="383")
    return path, tokens


def assert_all_arrived_in_order(receiver: Receiver, expected: dict[str, list[int]]) -> None:
    total = sum(len(positions) for positions in expected.values())
    wait_until(lambda: len(receiver.accepted) >= total, DEADLINE, f"{total} notifications")
    assert len(receiver.accepted) == total
    assert receiver.unverified == []
    for case_id, positions in expected.items():
        assert receiver.positions(case_id) == positions


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_worker_killed_mid_delivery_loses_nothing(kind: str, tmp_path: Path) -> None:
    principals, tokens = principals_of(tmp_path)
    first_hangs = Receiver(lambda n: Reply(204, delay=3.0) if n == 1 else Reply())
    first_hangs.start()
    with store(kind, tmp_path) as url:
        settings = fast_settings(
            database_url=url, principals_file=principals, notify_timeout_seconds=1.0
        )
        try:
            with api_without_delivery(settings, tokens) as api:
                subscribe(api, first_hangs)
                for _ in range(3):
                    case_id = api.open_case()["case_id"]
                    api.propose(case_id)
                expected = expected_positions(api)
                with deliver_processes(settings, tmp_path / "logs") as (worker,):
                    wait_until(lambda: first_hangs.requests >= 1, DEADLINE, "a first request")
                    worker.kill()  # while the first request waits for its answer
                with deliver_processes(settings, tmp_path / "logs") as (again,):
                    assert_all_arrived_in_order(first_hangs, expected)
                    assert again.stop() == 0, again.output()
            assert first_hangs.duplicates >= 1  # the one in flight was sent again, dropped
        finally:
            first_hangs.stop()


def test_several_workers_on_postgres_never_send_one_notification_twice(tmp_path: Path) -> None:
    principals, tokens = principals_of(tmp_path)
    receiver = Receiver(lambda n: Reply(204, delay=0.02))
    receiver.start()
    with store("postgres", tmp_path) as url:
        settings = fast_settings(database_url=url, principals_file=principals, notify_concurrency=4)
        try:
            with api_without_delivery(settings, tokens) as api:
                subscribe(api, receiver)
                for _ in range(12):
                    case_id = api.open_case()["case_id"]
                    api.propose(case_id)
                expected = expected_positions(api)
                with deliver_processes(settings, tmp_path / "logs", count=3) as workers:
                    assert_all_arrived_in_order(receiver, expected)
                    assert [w.stop() for w in workers] == [0, 0, 0]
            assert receiver.overlapping == []  # never two sends of one webhook-id at once
            assert receiver.duplicates == 0  # and, with no failure, never a second one
            assert receiver.requests == len(receiver.accepted)
        finally:
            receiver.stop()
