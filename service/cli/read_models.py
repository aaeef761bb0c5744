"""``case-transfer migrate`` and ``replay [--check]``: the read models' schema and rebuilds."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy.exc import DBAPIError

from ..application import CaseTransferApplication, StoreUnavailableError
from ..projections.database import migrate, prepare_schema, read_model_engine, schema_revisions
from ..projections.replay import Comparison, compare, discard, rebuild, swap
from ..projections.runner import Progress, read_model_errors
from ..settings import Settings
from ..store import eventsourcing_env, startup_lock


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
    engine = read_model_engine(settings)
    try:
        with read_model_errors():
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
    settings.check()
    env = eventsourcing_env(settings)
    started = time.monotonic()
    application = CaseTransferApplication(env, index_key=settings.index_key)
    engine = read_model_engine(settings)
    try:
        application.check_key()  # a key that cannot read the log: no rebuild
        with read_model_errors():
            prepare_schema(engine, env, upgrade=settings.create_tables)
        try:
            with _progress_bar() as show:
                rebuilt = rebuild(application, engine, show)
            if args.check:
                return _report(compare(application, engine, rebuilt))
            swapped = swap(application, engine, rebuilt)
        except BaseException:
            with suppress(StoreUnavailableError, DBAPIError):  # the first error is the one
                discard(engine)  # interrupted or failed: leave no shadow tables behind
            raise
    finally:
        engine.dispose()
        application.close()
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


@contextmanager
def _progress_bar() -> Iterator[Callable[[Progress], None]]:
    """A rich progress bar on stderr: events read of the log's, events/s, time left.

    Every entry of the log counts (a case's events, the child index's, remembered
    requests), as the position in the log does; the summary counts the case events.
    """
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.progress import Progress as Bar

    with Bar(
        TextColumn("Rebuilding"),
        BarColumn(bar_width=20),
        MofNCompleteColumn(),
        TextColumn("events"),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
    ) as bar:
        task = bar.add_task("rebuild", total=None, rate="")

        def show(progress: Progress) -> None:
            bar.update(task, completed=progress.position, total=progress.head)
            speed = bar.tasks[task].speed
            rate = f"{speed:,.0f} events/s" if speed else ""
            bar.update(task, rate=rate)

        yield show
