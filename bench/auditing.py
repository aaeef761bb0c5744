"""The operators' whole-log commands, each timed in a process of its own.

``python -m bench.auditing <command> result.json`` runs one of ``case-transfer verify``,
``case-transfer export --all`` (JSON lines to a file in the run's folder, then removed)
or ``case-transfer replay --check`` on the run's store, exactly as an operator would (the
CLI's own ``main``), and writes its wall time, exit status, peak memory and, for export,
the bytes written. Peak memory is this process's own: the command runs in it, and
nothing else does, so ``ru_maxrss`` is the command's high-water mark.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

from service.cli import main as case_transfer

COMMANDS = {
    "verify": ["verify"],
    "export": ["export", "--all", "--format", "jsonl"],
    "check": ["replay", "--check"],
}


def measure(command: str, folder: Path) -> dict[str, Any]:
    """Run ``command`` through the CLI with its output discarded (export's to a file)."""
    argv = list(COMMANDS[command])
    exported = folder / "export.jsonl"
    if command == "export":
        argv += ["--output", str(exported)]
    started = time.perf_counter()
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        status = case_transfer(argv)
    result: dict[str, Any] = {"seconds": time.perf_counter() - started, "status": status}
    if command == "export":
        result["bytes"] = exported.stat().st_size
        exported.unlink()
    return result


def main() -> int:
    command, output = sys.argv[1], Path(sys.argv[2])
    result = measure(command, output.parent)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    output.write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
