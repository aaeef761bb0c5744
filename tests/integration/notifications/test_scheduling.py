"""The outbox is written from the log exactly once: a batch that fails midway leaves
nothing behind, schedulers racing on one store write each notification once, and a
subscription hears only of what is recorded after it was registered."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import Connection, func, select

from service.adapters.log_follower import Prepared
from service.application import ChangeRequest
from service.bootstrap import Service, open_service
from service.domain.actors import Actor
from service.notifications.scheduler import NotificationScheduler
from service.notifications.tables import deliveries
from service.settings import Settings
from tests.stores import store

SOMERSET = Actor("Somerset case system", "authority", "933")
ENDPOINT = "http://127.0.0.1:9/hooks"


@pytest.fixture(params=["sqlite", "postgres"])
def service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Service]:
    with store(request.param, tmp_path) as url:
        opened = open_service(Settings(database_url=url))
        try:
            yield opened
        finally:
            opened.close()


def open_cases(service: Service, count: int) -> None:
    for _ in range(count):
        service.application.open_case(
            SOMERSET,
            ChangeRequest(),
            local_reference=f"S-{uuid4().hex[:6]}",
            nhs_number=None,
            date_of_birth=date(2019, 5, 4),
            expected_date_of_birth=None,
        )


def scheduled(service: Service) -> list[tuple[object, int]]:
    query = select(deliveries.c.subscription_id, deliveries.c.position).order_by(
        deliveries.c.position
    )
    with service.engine.connect() as connection:
        return [(row[0], int(row[1])) for row in connection.execute(query)]


class Crashing(NotificationScheduler):
    """Writes its batch's rows, then fails before the transaction commits."""

    def prepare(self, target: int | None = None) -> Prepared:
        batch = super().prepare(target)

        def write(connection: Connection) -> None:
            batch.write(connection)
            assert connection.scalar(select(func.count()).select_from(deliveries))
            raise RuntimeError("crashed after writing the outbox")

        return replace(batch, write=write)


def test_a_batch_that_fails_midway_leaves_nothing_and_is_scheduled_once_after(
    service: Service,
) -> None:
    service.subscriptions.register(SOMERSET, ENDPOINT, None)
    open_cases(service, 3)
    crashing = Crashing(service.application, service.engine, service.scheduler.clock)
    with pytest.raises(RuntimeError):
        crashing.catch_up()
    assert scheduled(service) == [] and service.scheduler.position() == 0
    service.scheduler.catch_up()
    service.scheduler.catch_up()
    assert len(scheduled(service)) == 3
    assert service.scheduler.position() == service.scheduler.head()


def test_schedulers_racing_on_one_store_write_each_notification_once(service: Service) -> None:
    service.subscriptions.register(SOMERSET, ENDPOINT, None)
    racers = [
        NotificationScheduler(service.application, service.engine, service.scheduler.clock)
        for _ in range(3)
    ]
    for _ in range(4):
        open_cases(service, 2)
        threads = [threading.Thread(target=racer.catch_up) for racer in racers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    rows = scheduled(service)
    assert len(rows) == 8 == len(set(rows))


def test_a_subscription_hears_only_of_what_is_recorded_after_it(service: Service) -> None:
    open_cases(service, 2)
    early = service.subscriptions.register(SOMERSET, ENDPOINT, None).subscription
    open_cases(service, 1)
    late = service.subscriptions.register(SOMERSET, ENDPOINT, None).subscription
    open_cases(service, 1)
    service.scheduler.catch_up()
    owners = [owner for owner, _ in scheduled(service)]
    assert owners.count(early.subscription_id) == 2
    assert owners.count(late.subscription_id) == 1
