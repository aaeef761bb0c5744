"""``case-transfer deliver`` processes for the tests, and a store with notifications due."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any
from uuid import uuid4

from fastapi.testclient import TestClient

from service.asgi import create_app
from service.settings import Settings
from tests.e2e.api.support import Api, Clock
from tests.e2e.reliability.servers import START_TIMEOUT, ChildProcess
from tests.paths import REPOSITORY

from .receivers import Receiver, wait_until

READY = "Delivering notifications"


def environment_of(settings: Settings) -> dict[str, str]:
    """The CASE_TRANSFER_* variables that give a process ``settings`` (those set)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CASE_TRANSFER_")}
    for name, value in settings.model_dump(exclude_unset=True).items():
        environment[f"CASE_TRANSFER_{name.upper()}"] = str(value)
    environment["PYTHONUNBUFFERED"] = "1"
    return environment


def _ready(worker: ChildProcess) -> bool:
    return READY in worker.output()


@contextmanager
def deliver_processes(
    settings: Settings, log_dir: Path, count: int = 1
) -> Iterator[list[ChildProcess]]:
    """``count`` ``case-transfer deliver`` processes on the store ``settings`` name."""
    log_dir.mkdir(parents=True, exist_ok=True)
    started: list[ChildProcess] = []
    try:
        for _ in range(count):
            log = log_dir / f"deliver-{uuid4().hex[:6]}.log"
            with log.open("wb") as output:
                process = subprocess.Popen(
                    [sys.executable, "-m", "service.cli", "deliver"],
                    cwd=REPOSITORY,
                    env=environment_of(settings),
                    stdin=subprocess.DEVNULL,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            started.append(ChildProcess(process, log))
        for worker in started:  # its SIGTERM handler is in place once it says so
            wait_until(partial(_ready, worker), START_TIMEOUT, "a worker's start")
        yield started
    finally:
        for worker in started:
            worker.stop()


@contextmanager
def api_without_delivery(settings: Settings, tokens: dict[str, str]) -> Iterator[Api]:
    """The API in this process, delivering nothing itself: the worker processes do."""
    quiet = settings.model_copy(update={"notify_deliver_in_serve": False})
    with TestClient(create_app(quiet), raise_server_exceptions=True) as client:
        yield Api(client, tokens, Clock())


def subscribe(api: Api, receiver: Receiver, **body: Any) -> str:
    response = api.somerset.post("/v1/subscriptions", json={"url": receiver.url, **body})
    assert response.status_code == 201, response.text
    receiver.secrets.append(response.json()["secret"])
    subscription_id: str = response.json()["subscription_id"]
    return subscription_id


def expected_positions(api: Api) -> dict[str, list[int]]:
    """Each case's log positions, from the auditors' feed."""
    events = api.auditor.get("/v1/events", params={"limit": 1000}).json()["events"]
    found: dict[str, list[int]] = {}
    for event in events:
        found.setdefault(event["case_id"], []).append(event["position"])
    return found
