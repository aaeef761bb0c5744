"""``case-transfer migrate`` and ``replay [--check]``: the read models' schema and rebuilds."""

from __future__ import annotations

import argparse
import time
from contextlib import suppress
from typing import Any

from sqlalchemy.exc import DBAPIError

from ..adapters.event_store import StoreUnavailableError, eventsourcing_env, startup_lock
from ..adapters.sql import migrate, schema_revisions, sql_errors
from ..bootstrap import check_settings, open_engine, open_service
from ..projections.check import Comparison, compare
from ..projections.replay import discard, rebuild, swap
from ..settings import Settings
from .progress import progress_bar


def register(commands: Any) -> None:
    migrate_command = commands.add_parser(
        "migrate", help="upgrade the read models' schema (before serving a new version)"
    )
    migrate_command.set_defaults(run=_migrate)

    replay = commands.add_parser(
        "replay", help="rebuild the read models from the event log and swap them in"
    )
    replay.add_argument(
        "--check",
        action="store_true",
        help="rebuild aside and list every difference from the live read models instead "
        "(exit 1 if any); the live rows are not replaced",
    )
    replay.set_defaults(run=_replay)


def _migrate(args: argparse.Namespace) -> int:
    settings = Settings()
    env = eventsourcing_env(settings)  # a bad URL stops here; makes an SQLite file's folder
    engine = open_engine(settings)
    try:
        with sql_errors():
            before, _ = schema_revisions(engine)
            with startup_lock(env):  # replicas starting now wait for the upgrade
                migrate(engine)
            after, _ = schema_revisions(engine)
    finally:
        engine.dispose()
    if before == after:
        print(f"The read models' schema is already at revision {after}.")
    else:
        print(f"Upgraded the read models' schema from {before or 'none'} to revision {after}.")
    return 0


def _replay(args: argparse.Namespace) -> int:
    """Rebuild aside with a progress bar on stderr, then swap in, or compare (``--check``)."""
    settings = Settings()
    check_settings(settings)
    started = time.monotonic()
    service = open_service(settings)  # a key that cannot read the log: no rebuild
    application, engine = service.application, service.engine
    try:
        try:
            with progress_bar("Rebuilding", "events") as show:
                rebuilt = rebuild(application, engine, show)
            if args.check:
                return _report(compare(application, engine, rebuilt))
            swapped = swap(application, engine, rebuilt)
        except BaseException:
            with suppress(StoreUnavailableError, DBAPIError):  # the first error is the one
                discard(engine)  # interrupted or failed: leave no shadow tables behind
            raise
    finally:
        service.close()
    seconds = time.monotonic() - started
    print(
        f"Replayed {swapped.position:,} events ({swapped.events:,} case events, "
        f"{swapped.cases:,} cases) in {seconds:.1f} s: {swapped.position / seconds:,.0f} events/s."
    )
    print(f"The read models now reflect the log at position {swapped.position:,}.")
    return 0


def _report(comparison: Comparison) -> int:
    """Every difference on stdout, then the verdict; exit 1 if the read models differ."""
    for difference in comparison.differences:
        print(difference)
    found = len(comparison.differences)
    if not found:
        print(f"The read models match the log at position {comparison.position:,}.")
        return 0
    print(
        f"{found} difference{'s' if found != 1 else ''}: the read models do not match the "
        f"log at position {comparison.position:,}; `case-transfer replay` rebuilds them."
    )
    return 1
