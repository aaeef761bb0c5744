"""``make bench``: every scenario on each store in turn, against baselines measured in the same run.

For each store (a fresh SQLite file, then a fresh PostgreSQL schema) the run, in order:

1. generates the national data set (``bench.generate``, through the application) and
   the extra cases the scenarios need (``bench.prepare``), in child processes;
2. times the raw scan of the log, then the replay of the whole log into fresh read
   models (``bench.replaying``), and swaps the rebuild in so the servers start current;
   then the operators' whole-log commands, ``replay --check``, ``verify`` and
   ``export --all`` (``bench.auditing``);
3. serves the bare FastAPI endpoint and loads it (the read baseline);
4. serves ``case-transfer serve`` with production settings and loads it: who is
   responsible now, the same lookup on cases of 10, 100 and 1,000 events, and the
   transfer steps; its memory is sampled throughout;
5. runs the library-alone write baseline on the same store.

Every load comes from ``bench.load``, a separate process. Results go to
``bench/results/bench-<time>.json`` and ``.png``, and a table per store is printed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from service.domain.reference import authorities

from . import report
from .scenarios import assemble, assemble_log_only
from .servers import bare_command, running, serve_command
from .stats import summarise
from .store_run import StoreRun
from .stores import fresh_store, make_credentials, production_environment, production_keys
from .wrk import version as wrk_version
from .wrk import wrk_path

REPOSITORY = Path(__file__).resolve().parents[1]
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def options(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--stores", default="sqlite,postgres", help="sqlite, postgres or both")
    parser.add_argument("--scale", type=float, default=1.0, help="years of national data (1)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per load")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before measuring")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight")
    parser.add_argument("--history-sizes", default="10,100,1000", help="events per history case")
    parser.add_argument("--history-cases", type=int, default=20, help="cases of each size")
    parser.add_argument("--write-cases", type=int, help="cases per write pool (4 x concurrency)")
    parser.add_argument(
        "--no-idempotency-keys",
        action="store_true",
        help="send POSTs without Idempotency-Key (clients should send one)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "CASE_TRANSFER_BENCH_POSTGRES_URL",
            os.environ.get("CASE_TRANSFER_TEST_POSTGRES_URL", DEFAULT_POSTGRES),
        ),
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the run's folder (SQLite file, server logs) and PostgreSQL schemas",
    )
    parser.add_argument(
        "--log-only",
        action="store_true",
        help="only generate, replay and time the whole-log commands (no server, no load): "
        "the measurement of ten years (--scale 10)",
    )
    parser.add_argument("--output-dir", type=Path, default=REPOSITORY / "bench" / "results")
    parser.add_argument(
        "--client",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="HTTP load generator: wrk (apt-get install wrk), the Python client "
        "(bench.load), or auto: wrk when installed (the default)",
    )
    args = parser.parse_args(argv)
    args.write_cases = args.write_cases or 4 * args.concurrency
    if args.client == "auto":
        args.client = "wrk" if wrk_path() else "python"
    elif args.client == "wrk" and not wrk_path():
        parser.error("--client wrk: wrk is not installed (apt-get install wrk)")
    return args


def bench_store(
    kind: str, folder: Path, args: argparse.Namespace, console: Console
) -> dict[str, Any]:
    folder.mkdir(parents=True)
    codes = list(authorities())
    credentials = make_credentials(folder, codes)
    with fresh_store(kind, folder, args.postgres_url, keep=args.keep) as store:
        run = StoreRun(
            folder, production_environment(store, credentials, production_keys()), args, console
        )
        console.print(f"[bold]{kind}[/]: generating scale {args.scale} ...")
        dataset = run.json_of("dataset", "bench.generate", "--scale", str(args.scale), "--json")
        prepared: Any = (
            None
            if args.log_only
            else run.json_of(
                "prepared",
                "bench.prepare",
                "--history-sizes",
                args.history_sizes,
                "--history-cases",
                str(args.history_cases),
                "--write-cases",
                str(args.write_cases),
                "--json",
            )
        )
        console.print(
            f"[bold]{kind}[/]: {dataset['events']:,} events in {dataset['seconds']} s; "
            "replaying ..."
        )
        scanned = run.json_of("scan", "bench.replaying", "scan")
        replayed = run.json_of("replay", "bench.replaying", "rebuild")
        settled = run.json_of("settle", "bench.replaying", "settle")
        console.print(f"[bold]{kind}[/]: replay --check, verify, export ...")
        whole_log = {
            command: run.json_of(command, "bench.auditing", command)
            for command in ("check", "verify", "export")
        }
        if args.log_only:
            return assemble_log_only(
                {
                    "dataset": dataset,
                    "scan": scanned,
                    "replay": replayed,
                    "settle": settled,
                    "whole_log": whole_log,
                }
            )
        console.print(f"[bold]{kind}[/]: loading the bare endpoint and the service ...")
        tokens = credentials.authorities
        sample = [(_lookup(case_id), tokens[party]) for case_id, party in dataset["sample_cases"]]
        with running(bare_command, run.environment, run.log) as bare:
            bare_read = run.load("bare", bare, kind="read", targets=sample)
            bare_one = run.load("bare-c1", bare, kind="read", targets=sample, concurrency=1)
            # The Python client on the same endpoint: how far below wrk's ceiling it stops.
            bare_python = (
                run.load("bare-python", bare, "python", kind="read", targets=sample)
                if args.client == "wrk"
                else bare_read
            )
        with running(serve_command, run.environment, run.log) as server:
            read = run.load("read", server, kind="read", targets=sample)
            read_one = run.load("read-c1", server, kind="read", targets=sample, concurrency=1)
            as_mash = [(path, credentials.mash) for path, _ in sample]
            read_mash = run.load("read-mash", server, kind="read", targets=as_mash)
            history = {
                size: run.load(
                    f"history-{size}",
                    server,
                    kind="read",
                    targets=[(_lookup(case_id), tokens[party]) for case_id, party in cases],
                )
                for size, cases in prepared["history"].items()
            }
            write = run.load(
                "write",
                server,
                kind="handover",
                cases=prepared["writes"]["server"],
                tokens=tokens,
                idempotency_keys=not args.no_idempotency_keys,
            )
            server_peak = server.peak_rss_mb()
        console.print(f"[bold]{kind}[/]: the library-alone baseline ...")
        library_runs = run.json_of(
            "library",
            "bench.library",
            spec={
                "duration": args.duration,
                "warmup": args.warmup,
                "threads": sorted({1, args.concurrency}),
                "cases": prepared["writes"]["library"],
            },
        )
    library = max(
        (summarise(r["latencies_ms"], r["seconds"], threads=r["threads"]) for r in library_runs),
        key=lambda measured: measured["throughput"],
    )
    return assemble(
        {
            "dataset": dataset,
            "scan": scanned,
            "replay": replayed,
            "settle": settled,
            "whole_log": whole_log,
            "bare": bare_read,
            "bare_one": bare_one,
            "read_one": read_one,
            "bare_python": bare_python,
            "read": read,
            "read_mash": read_mash,
            "history": history,
            "write": write,
            "library": library,
            "server_peak_rss_mb": server_peak,
        }
    )


def _lookup(case_id: str) -> str:
    return f"/v1/cases/{case_id}/responsibility"


def main(argv: Sequence[str] | None = None) -> int:
    args = options(argv)
    console = Console(width=None if sys.stdout.isatty() else 132)
    if args.client == "python":
        why = "--client python" if wrk_path() else "wrk is not installed (apt-get install wrk)"
        console.print(
            f"[yellow]{why}: the Python client (bench.load) drives the HTTP scenarios, "
            "and it may be the ceiling, not the server."
        )
    stamp = datetime.now(tz=UTC)
    results: dict[str, Any] = {
        "started_at": stamp.isoformat(timespec="seconds"),
        "machine": report.machine(),
        "load_generator": wrk_version() if args.client == "wrk" else "bench.load (Python)",
        "options": {
            k: str(v) if isinstance(v, Path) else v
            for k, v in vars(args).items()
            if k != "postgres_url"
        },
        "stores": {},
    }
    folder = Path(tempfile.mkdtemp(prefix="case-transfer-bench-"))
    try:
        for kind in args.stores.split(","):
            results["stores"][kind] = bench_store(kind, folder / kind, args, console)
            report.print_store(console, kind, results["stores"][kind])
    finally:
        if args.keep:
            console.print(f"Kept the run's stores, logs and specs (tokens too) in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    written = report.write(results, args.output_dir, stamp, chart=not args.log_only)
    console.print(f"Results: {' and '.join(str(path) for path in written)}")
    return 0
