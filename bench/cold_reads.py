"""The first read of a long case after a start, against a warm read, with and without snapshots.

Issue 14 item 2 asks that the cold first read of a case with 1,000 events take within
2x a warm read. This times, in one process and one run (the machine is shared: compare
only figures of the same run), the application's responsibility query (the read cache,
the rule checks, no HTTP) on cases of ``--size`` events saved with an encryption key:
the first read by a freshly opened application (cold: the read cache is empty) and the
reads after it (warm), with snapshots off, on, and off again; then the same through
the whole app (``GET /v1/cases/{id}/responsibility`` by an in-process HTTP client).

    python -m bench.cold_reads --store sqlite:///var/cold.sqlite3 --size 1000 --cases 10
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import httpx
from pydantic import SecretStr

from service.adapters.keys import new_encryption_key
from service.adapters.principals import create_development_principals
from service.bootstrap import open_store
from service.domain.actors import Actor
from service.settings import Settings

from .prepare import history_case
from .servers import running, serve_command

FIRST, SECOND = "933", "801"


def _times(
    settings: Settings, case_ids: list[UUID], warm_reads: int
) -> tuple[list[float], list[float]]:
    application = open_store(settings)  # a fresh process's application: the cache is cold
    actor = Actor("bench", "authority", FIRST)
    cold, warm = [], []
    try:
        for case_id in case_ids:
            started = time.perf_counter()
            application.responsibility(actor, case_id)
            cold.append(time.perf_counter() - started)
            for _ in range(warm_reads):
                started = time.perf_counter()
                application.responsibility(actor, case_id)
                warm.append(time.perf_counter() - started)
    finally:
        application.close()
    return cold, warm


def _http_times(
    settings: Settings, token: str, case_ids: list[UUID], warm_reads: int
) -> tuple[list[float], list[float]]:
    """The same through the whole app (middleware, auth, JSON), in process (no socket)."""
    from fastapi.testclient import TestClient

    from service.asgi import create_app

    headers = {"Authorization": f"Bearer {token}"}
    cold: list[float] = []
    warm: list[float] = []
    with TestClient(create_app(settings)) as client:
        for case_id in case_ids:
            for n in range(warm_reads + 1):
                started = time.perf_counter()
                response = client.get(f"/v1/cases/{case_id}/responsibility", headers=headers)
                (warm if n else cold).append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
    return cold, warm


def _server_times(
    settings: Settings, token: str, case_ids: list[UUID], warm_reads: int
) -> tuple[list[float], list[float]]:
    """The same from a real ``case-transfer serve`` started now (its read cache cold),
    over one kept-alive connection: what a case system's first request meets."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CASE_TRANSFER_")}
    assert settings.encryption_key is not None and settings.principals_file is not None
    environment.update(
        CASE_TRANSFER_DATABASE_URL=settings.database_url,
        CASE_TRANSFER_ENCRYPTION_KEY=settings.encryption_key.get_secret_value(),
        CASE_TRANSFER_PRINCIPALS_FILE=str(settings.principals_file),
        CASE_TRANSFER_SNAPSHOT_INTERVAL=str(settings.snapshot_interval),
    )
    headers = {"Authorization": f"Bearer {token}"}
    cold: list[float] = []
    warm: list[float] = []
    log = Path(tempfile.mkdtemp()) / "server.log"
    with (
        running(serve_command, environment, log) as server,
        httpx.Client(base_url=server.base_url, headers=headers) as client,
    ):
        client.get("/health/live")  # the connection opened before any timing
        for case_id in case_ids:
            for n in range(warm_reads + 1):
                started = time.perf_counter()
                response = client.get(f"/v1/cases/{case_id}/responsibility")
                (warm if n else cold).append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
    return cold, warm


def _settle(settings: Settings) -> None:
    """Start the app once and let its background threads bring the read models and the
    ledger up to the log, so that no measured start competes with that catch-up."""
    from fastapi.testclient import TestClient

    from service.asgi import create_app

    with TestClient(create_app(settings)):
        time.sleep(5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", help="database URL (default: a new SQLite file)")
    parser.add_argument("--size", type=int, default=1000, help="events per case")
    parser.add_argument("--cases", type=int, default=10)
    parser.add_argument("--warm-reads", type=int, default=20)
    parser.add_argument("--interval", type=int, default=100, help="snapshot interval when on")
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    url = args.store or f"sqlite:///{Path(folder) / 'cold.sqlite3'}"
    key = SecretStr(new_encryption_key())
    principals = Path(folder) / "principals.toml"
    token = create_development_principals(principals)["Somerset case system"]
    on = Settings(
        database_url=url,
        encryption_key=key,
        snapshot_interval=args.interval,
        principals_file=principals,
    )
    off = on.model_copy(update={"snapshot_interval": 0})
    writer = open_store(on)
    case_ids: list[UUID] = []
    for n in range(args.cases):
        case = history_case(args.size, FIRST, SECOND, datetime.now(UTC))
        writer.save(case)
        case_ids.append(case.id)
        del n
    writer.close()
    runs = [("snapshots off", off), ("snapshots on", on), ("snapshots off", off)]
    _settle(on)
    for way in ("query", "http", "serve"):
        for name, settings in runs:
            if way == "query":
                cold, warm = _times(settings, case_ids, args.warm_reads)
            else:
                timed_by = _http_times if way == "http" else _server_times
                cold, warm = timed_by(settings, token, case_ids, args.warm_reads)
            cold_ms, warm_ms = statistics.median(cold) * 1e3, statistics.median(warm) * 1e3
            print(
                f"{way:5} {name:14} {args.size} events: cold first read median {cold_ms:7.2f} "
                f"ms (max {max(cold) * 1e3:7.2f}), warm median {warm_ms:5.2f} ms, "
                f"cold / warm {cold_ms / warm_ms:6.1f}"
            )


if __name__ == "__main__":
    main()
