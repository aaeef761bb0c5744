"""``case-transfer verify [--checkpoint FILE]`` and ``signing-keygen``: tamper evidence.

``verify`` recomputes the ledger's chain from the event store (every event, in log
order, a progress bar on stderr) and compares it with the ledger table and, if
given, a checkpoint saved from ``GET /v1/ledger/checkpoint``. It only reads. Exit 0
with one line "verified N events up to position P"; exit 1 with the first position
that disagrees and what disagrees (``service.audit.verify``); exit 2 for an
operator's mistake (no such file, not a checkpoint, a key that cannot read the store).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..application import CaseTransferApplication
from ..audit.signing import Checkpoint, CheckpointError, new_signing_key, signing_keys
from ..audit.verify import verify
from ..projections.database import check_schema, read_model_engine
from ..projections.runner import read_model_errors
from ..settings import Settings
from ..store import eventsourcing_env


def register(commands: Any) -> None:
    verify_command = commands.add_parser(
        "verify",
        help="recompute the tamper-evident ledger from the event store and compare "
        "(exit 1 at the first disagreement)",
    )
    verify_command.add_argument(
        "--checkpoint",
        type=Path,
        metavar="FILE",
        help="a checkpoint saved from GET /v1/ledger/checkpoint: its signature must verify "
        "and the store's history must match it",
    )
    verify_command.set_defaults(run=_verify)

    keygen = commands.add_parser(
        "signing-keygen",
        help="print a new Ed25519 key for CASE_TRANSFER_SIGNING_KEY (signs ledger checkpoints)",
    )
    keygen.set_defaults(run=_signing_keygen)


def _verify(args: argparse.Namespace) -> int:
    settings = Settings()
    settings.check()
    checkpoint = _read_checkpoint(args.checkpoint) if args.checkpoint is not None else None
    env = eventsourcing_env(settings)
    keys = signing_keys(settings, create=False)
    application = CaseTransferApplication(env, index_key=settings.index_key)
    engine = read_model_engine(settings)
    started = time.monotonic()
    try:
        application.check_key()  # another key reads nothing: an operator's mistake, not tampering
        with read_model_errors():
            check_schema(engine)
        with _progress_bar() as show:
            report = verify(application, engine, checkpoint=checkpoint, keys=keys, show=show)
    finally:
        engine.dispose()
        application.close()
    print(report.summary())
    if report.finding is not None:
        return 1
    seconds = max(time.monotonic() - started, 1e-6)
    print(f"{report.events / seconds:,.0f} events/s over {seconds:.1f} s.", file=sys.stderr)
    return 0


def _read_checkpoint(path: Path) -> Checkpoint:
    """The checkpoint saved in ``path``; CheckpointError (exit 2) if it is not one."""
    try:
        return Checkpoint.from_json(json.loads(path.read_text(encoding="utf-8")))
    except json.JSONDecodeError:
        raise CheckpointError(
            f"{path} is not JSON: save the body of GET /v1/ledger/checkpoint as it came"
        ) from None
    except CheckpointError as error:
        raise CheckpointError(f"{path} is not a checkpoint: {error}") from None


def _signing_keygen(args: argparse.Namespace) -> int:
    print(new_signing_key())
    return 0


@contextmanager
def _progress_bar() -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on stderr: events re-hashed of the log's, events/s, time left."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
    from rich.progress import Progress as Bar

    with Bar(
        TextColumn("Verifying"),
        BarColumn(bar_width=20),
        MofNCompleteColumn(),
        TextColumn("positions"),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
    ) as bar:
        task = bar.add_task("verify", total=None, rate="")

        def show(position: int, head: int) -> None:
            bar.update(task, completed=position, total=head)
            speed = bar.tasks[task].speed
            bar.update(task, rate=f"{speed:,.0f}/s" if speed else "")

        yield show
