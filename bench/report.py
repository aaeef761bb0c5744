"""The run's results: a rich table per store, a JSON file and a PNG chart."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil
from rich.console import Console
from rich.table import Table

from .scenarios import SATURATED_CPU_PERCENT


def machine() -> dict[str, Any]:
    """What the numbers were measured on (the chart and the README quote it)."""
    model = platform.processor()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpus": os.cpu_count(),
        "cpu": model,
        "memory_gb": round(psutil.virtual_memory().total / 1024**3, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value:,.1f}"


def _verdict(met: bool | None) -> str:
    if met is None:
        return ""
    return "[green]met[/]" if met else "[red]missed[/]"


def print_store(console: Console, kind: str, store: dict[str, Any]) -> None:
    data = store["dataset"]
    table = Table(
        title=f"{kind}: {data['cases']:,} cases, {data['events']:,} events "
        f"(generated in {data['seconds']} s, {data['events_per_second']:,.0f} events/s)"
    )
    for column in (
        "scenario",
        "throughput /s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "ratio",
        "target",
        "",
    ):
        table.add_column(column, justify="left" if column == "scenario" else "right")
    for scenario in store["scenarios"]:
        service, baseline = scenario["service"], scenario["baseline"]
        table.add_row(
            scenario["title"],
            f"{service['throughput']:,.0f}",
            _ms(service.get("p50_ms")),
            _ms(service.get("p95_ms")),
            _ms(service.get("p99_ms")),
            f"{scenario['ratio']}",
            scenario["target"],
            _verdict(scenario["met"]),
        )
        table.add_row(
            f"  baseline: {scenario['baseline_title']}",
            f"{baseline['throughput']:,.0f}",
            _ms(baseline.get("p50_ms")),
            _ms(baseline.get("p95_ms")),
            _ms(baseline.get("p99_ms")),
            "",
            "",
            "",
            style="dim",
        )
    memory = store["memory"]
    if not store.get("log_only"):  # the loads of a full run
        history = store["history"]
        sizes = list(history["sizes"])
        for size in sizes:
            measured = history["sizes"][size]
            last = size == sizes[-1]
            table.add_row(
                f"Who is responsible, {int(size):,} events",
                f"{measured['throughput']:,.0f}",
                _ms(measured["p50_ms"]),
                _ms(measured["p95_ms"]),
                _ms(measured["p99_ms"]),
                f"{history['p50_ratio']:.1f}" if last else "",
                history["target"] if last else "",
                _verdict(history["met"]) if last else "",
            )
        table.add_row(
            "Server peak RSS (MB)",
            f"{memory['server_peak_rss_mb']:,.0f}",
            "",
            "",
            "",
            "",
            memory["target"],
            _verdict(memory["met"]),
        )
    table.add_row(
        "Replay peak RSS (MB)",
        f"{memory['replay_peak_rss_mb']:,.0f}",
        "",
        "",
        "",
        "",
        "",
        "",
        style="dim",
    )
    console.print(table)
    print_whole_log(console, kind, store["whole_log"])
    print_settled(console, store.get("settle") or {})
    one = store.get("one_connection")
    if one:
        console.print(
            f"One connection: the lookup's mean {one['service']['mean_ms']:.2f} ms, the bare "
            f"endpoint's {one['bare']['mean_ms']:.2f} ms, {one['above_bare_ms']:.2f} ms above "
            f"({one['target']}): {_verdict(one['met'])}"
        )
    generator = store.get("load_generator")
    if generator:
        console.print(
            f"HTTP load from {generator['tool']}: the bare endpoint at "
            f"{generator['ceiling_rps']:,.0f}/s (client CPU {generator['client_cpu_percent']}%, "
            f"server CPU {generator['server_cpu_percent']}%); the Python client reached "
            f"{generator['python_client_rps']:,.0f}/s on it."
        )
        if generator.get("ceiling_reached") is False:
            console.print(
                f"[bold red]The bare endpoint's server used {generator['server_cpu_percent']}% "
                f"of a core (under {SATURATED_CPU_PERCENT:.0f}%): not its ceiling, so this "
                "store's HTTP ratios are not comparable; run again on a quiet machine.[/]"
            )


def print_whole_log(console: Console, kind: str, measured: dict[str, Any]) -> None:
    """The operators' whole-log commands: time, events a second, peak memory."""
    table = Table(title=f"{kind}: whole-log commands over {measured['events']:,} events")
    for column in ("command", "seconds", "events/s", "peak RSS MB", "exit"):
        table.add_column(column, justify="left" if column == "command" else "right")
    for command, result in measured["commands"].items():
        table.add_row(
            command,
            f"{result['seconds']:,.1f}",
            f"{result['events_per_second'] or 0:,.0f}",
            f"{result['peak_rss_mb']:,.0f}",
            str(result["status"]),
        )
    console.print(table)
    console.print(
        f"replay --check took {measured['check_to_rebuild']} x the rebuild "
        f"({measured['target']}): {_verdict(measured['met'])}"
    )


def print_settled(console: Console, settled: dict[str, Any]) -> None:
    """The followers brought up to the log before any server started."""
    for name, result in settled.items():
        if not isinstance(result, dict):
            continue
        console.print(
            f"{name} caught up with {result['events']:,} events in {result['seconds']:,.1f} s "
            f"({result['throughput']:,.0f}/s) before the servers started"
        )


def write(
    results: dict[str, Any], folder: Path, stamp: datetime, *, chart: bool = True
) -> list[Path]:
    """The results as JSON and, unless ``--log-only`` (no loads to draw), a chart."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"bench-{stamp.strftime('%Y%m%dT%H%M%SZ')}"
    json_path, png_path = folder / f"{name}.json", folder / f"{name}.png"
    json_path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if not chart:
        return [json_path]
    draw(results, png_path)
    return [json_path, png_path]


def draw(results: dict[str, Any], path: Path) -> None:
    """Throughput against baselines, latency percentiles, and cost against history length."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    stores = results["stores"]
    figure, (left, middle, right) = plt.subplots(1, 3, figsize=(16, 6.5))
    labels, measured, ceilings = [], [], []
    for kind, store in stores.items():
        for scenario in store["scenarios"]:
            labels.append(f"{kind} {scenario['name']}")
            measured.append(scenario["service"]["throughput"])
            ceilings.append(scenario["baseline"]["throughput"])
    positions = range(len(labels))
    left.bar([p - 0.2 for p in positions], measured, 0.4, label="service")
    left.bar([p + 0.2 for p in positions], ceilings, 0.4, label="baseline")
    left.set_xticks(list(positions), labels, fontsize=8, rotation=40, ha="right")
    left.set_yscale("log")
    left.set_title("Throughput (requests/s; replay: events/s)")
    left.legend()
    labels, rows = [], []
    for kind, store in stores.items():
        shown: set[str] = set()
        for scenario in store["scenarios"]:
            pairs = [(scenario["name"], scenario["service"])]
            if scenario["baseline_title"] not in shown:
                shown.add(scenario["baseline_title"])
                short = scenario["baseline_title"].split()[0]  # bare, library, raw
                pairs.append((short, scenario["baseline"]))
            for label, measured in pairs:
                if "p50_ms" in measured:
                    labels.append(f"{kind} {label}")
                    rows.append([measured[f"p{q}_ms"] for q in (50, 95, 99)])
    for offset, q in enumerate((50, 95, 99)):
        middle.bar(
            [p + (offset - 1) * 0.27 for p in range(len(rows))],
            [row[offset] for row in rows],
            0.27,
            label=f"p{q}",
        )
    middle.set_xticks(list(range(len(labels))), labels, fontsize=8, rotation=40, ha="right")
    middle.set_yscale("log")
    middle.set_title("Latency (ms)")
    middle.legend()
    for kind, store in stores.items():
        sizes = store["history"]["sizes"]
        right.plot(
            [int(s) for s in sizes],
            [v["p50_ms"] for v in sizes.values()],
            marker="o",
            label=f"{kind} p50",
        )
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xlabel("events in the case")
    right.set_title("Who is responsible: latency against history")
    right.legend()
    box = results["machine"]
    figure.suptitle(
        f"case transfer service, {results['started_at']}: {box['cpus']} CPUs "
        f"({box['cpu']}), {box['memory_gb']} GB; options {results['options']['duration']} s, "
        f"concurrency {results['options']['concurrency']}, scale {results['options']['scale']}",
        fontsize=9,
    )
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
