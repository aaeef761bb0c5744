"""One store's part of a ``make bench`` run: its folder, environment and child processes.

Every measurement runs in a child process of its own (``python -m bench.<module>``), so
that its memory is its own and a crash names its module; each writes its result to a
JSON file the run reads back. HTTP loads come from wrk (``bench.wrk``) or the Python
client (``bench.load``), with the client's and the server's CPU use beside them.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from .servers import Server
from .stats import summarise

REPOSITORY = Path(__file__).resolve().parents[1]


class StoreRun:
    """One store's part of the run: its folder, environment and child processes."""

    def __init__(
        self, folder: Path, environment: dict[str, str], args: argparse.Namespace, console: Console
    ) -> None:
        self.folder, self.environment, self.args, self.console = folder, environment, args, console
        self.log = folder / "processes.log"

    def child(self, *arguments: str) -> None:
        """Run ``python -m ...`` with the run's environment; its output goes to the log."""
        with self.log.open("ab") as log:
            done = subprocess.run(
                [sys.executable, "-m", *arguments],
                env=self.environment,
                cwd=REPOSITORY,
                stdout=log,
                stderr=log,
                check=False,
            )
        if done.returncode != 0:
            tail = self.log.read_text(errors="replace")[-4000:]
            raise RuntimeError(f"python -m {' '.join(arguments)} failed:\n{tail}")

    def json_of(self, name: str, *arguments: str, spec: dict[str, Any] | None = None) -> Any:
        """Run a child that writes its result to a JSON file (given a spec file, if any)."""
        output = self.folder / f"{name}.json"
        if spec is not None:
            spec_file = self.folder / f"{name}.spec.json"
            spec_file.write_text(json.dumps(spec), encoding="utf-8")
            arguments = (*arguments, str(spec_file))
        self.child(*arguments, str(output))
        return json.loads(output.read_text(encoding="utf-8"))

    def load(
        self,
        name: str,
        server: Server,
        client: str | None = None,
        *,
        concurrency: int | None = None,
        **spec: Any,
    ) -> dict[str, Any]:
        """One load against ``server``, from wrk (``bench.wrk``) or ``bench.load`` as the
        run's ``--client`` says (or ``client``), with the run's ``--concurrency`` (or
        ``concurrency``); with the client's and server's CPU use."""
        args = self.args
        module = "bench.wrk" if (client or args.client) == "wrk" else "bench.load"
        spec.update(
            base_url=server.base_url,
            duration=args.duration,
            warmup=args.warmup,
            concurrency=concurrency or args.concurrency,
        )
        cpu = server.cpu_seconds()
        started = time.monotonic()
        result = self.json_of(f"load-{name}", module, spec=spec)
        server_cpu = 100 * (server.cpu_seconds() - cpu) / (time.monotonic() - started)
        if result["failures"]:
            self.console.print(
                f"[yellow]{name}: failures {result['failures']}: {result['failure_examples'][:2]}"
            )
        return summarise(
            result["latencies_ms"],
            result["seconds"],
            failures=sum(result["failures"].values()),
            client=result["client"],
            client_cpu_percent=result["client_cpu_percent"],
            server_cpu_percent=round(server_cpu, 1),
            steps_p50_ms={
                step: summarise(ms, 1)["p50_ms"] for step, ms in result["steps_ms"].items()
            },
        )
