"""Replay and its baseline, each in a process of its own so that its peak memory is its own.

``python -m bench.replaying rebuild result.json`` times
``service.projections.replay.rebuild`` (the whole log into fresh read models), then
swaps the rebuild in so that the servers start with current read models, as in
production. ``python -m bench.replaying scan result.json`` is the baseline: the raw
scan of the same log, ``recorder.select_notifications`` in batches of the projector's
size with the projector's topics, each notification decoded (and decrypted) by
``mapper.to_domain_event``, and nothing else.

``python -m bench.replaying settle result.json`` brings the service's other followers
of the log up to its head before any server starts, as a service running all along
would have them: the ledger (every event hashed into the chain) and the notification
scheduler, each timed. Without it the first server's background threads chain the
whole generated log while the loads run, and the loads measure that contention.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

from service.adapters.event_store import eventsourcing_env
from service.adapters.sql import open_engine, prepare_schema
from service.application import CaseTransferApplication
from service.bootstrap import check_settings, open_service, open_store
from service.domain.case import CASE_TOPICS
from service.projections.projector import Projector
from service.projections.replay import rebuild, swap
from service.settings import Settings


def scan(application: CaseTransferApplication, batch: int = Projector.BATCH) -> dict[str, Any]:
    started = time.perf_counter()
    position, events = 0, 0
    recorder, mapper = application.recorder, application.mapper
    while True:
        notifications = recorder.select_notifications(
            start=position, limit=batch, topics=CASE_TOPICS, inclusive_of_start=False
        )
        for notification in notifications:
            mapper.to_domain_event(notification)
        events += len(notifications)
        if len(notifications) < batch:
            break
        position = notifications[-1].id
    return {"events": events, "seconds": time.perf_counter() - started}


def replay(application: CaseTransferApplication, settings: Settings) -> dict[str, Any]:
    engine = open_engine(settings)
    try:
        prepare_schema(engine, eventsourcing_env(settings), upgrade=True)
        rebuilt = rebuild(application, engine)
        started = time.perf_counter()
        swapped = swap(application, engine, rebuilt)
        return {
            "events": rebuilt.events,
            "seconds": rebuilt.seconds,
            "swap_seconds": time.perf_counter() - started,
            "cases": swapped.cases,
            "passes": rebuilt.passes,
            "reloads": rebuilt.reloads,
        }
    finally:
        engine.dispose()


def settle(settings: Settings) -> dict[str, Any]:
    """Catch the ledger and the notification scheduler up to the log; each one's time."""
    service = open_service(settings)
    try:
        result: dict[str, Any] = {}
        for name, follower in (("ledger", service.ledger), ("scheduler", service.scheduler)):
            started = time.perf_counter()
            progress = follower.catch_up()
            result[name] = {"events": progress.events, "seconds": time.perf_counter() - started}
        return result
    finally:
        service.close()


def main() -> int:
    mode, output = sys.argv[1], Path(sys.argv[2])
    settings = Settings()
    check_settings(settings)
    if mode == "settle":
        result = settle(settings)
    else:
        application = open_store(settings)
        try:
            result = scan(application) if mode == "scan" else replay(application, settings)
        finally:
            application.close()
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    output.write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
