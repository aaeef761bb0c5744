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
from pathlib import Path
from typing import Any

from ..audit.signing import Checkpoint, CheckpointError, new_signing_key
from ..audit.verify import verify
from ..bootstrap import check_settings, open_service, signing_keys
from ..settings import Settings
from .progress import progress_bar


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
    check_settings(settings)
    checkpoint = _read_checkpoint(args.checkpoint) if args.checkpoint is not None else None
    keys = signing_keys(settings, create=False)
    started = time.monotonic()
    # Read only: no table, trigger or schema change. Another key reads nothing: an
    # operator's mistake (exit 2), not tampering.
    service = open_service(settings, read_only=True)
    try:
        with progress_bar("Verifying", "positions") as show:
            report = verify(
                service.application, service.engine, checkpoint=checkpoint, keys=keys, show=show
            )
    finally:
        service.close()
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
