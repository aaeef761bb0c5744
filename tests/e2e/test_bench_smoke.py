"""The benchmark harness still runs: every scenario for about a second on a tiny SQLite store.

Its HTTP scenarios run through wrk where wrk is installed (as in CI), else through the
Python client; either way the result names the tool.

Not a measurement (the numbers of a one-second run on a busy machine mean nothing);
it only keeps ``make bench`` working as the service changes. It runs the real
command, ``python -m bench``, in a child process, as ``make bench`` does.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import REPOSITORY

MISSING = "the bench extra is not installed (pip install -e '.[bench]'; make test installs it)"
pytest.importorskip("matplotlib", reason=MISSING)
pytest.importorskip("psutil", reason=MISSING)


def test_every_scenario_runs_against_its_baseline(tmp_path: Path) -> None:
    command = [
        sys.executable, "-m", "bench", "--stores", "sqlite", "--scale", "0.002",
        "--duration", "1", "--warmup", "0", "--concurrency", "2",
        "--history-cases", "1", "--write-cases", "4", "--output-dir", str(tmp_path),
    ]  # fmt: skip
    done = subprocess.run(
        command, cwd=REPOSITORY, capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    [result_file] = tmp_path.glob("bench-*.json")
    assert result_file.with_suffix(".png").stat().st_size > 0
    store = json.loads(result_file.read_text())["stores"]["sqlite"]
    assert store["dataset"]["cases"] == 100
    names = [scenario["name"] for scenario in store["scenarios"]]
    assert names == ["read", "read-mash", "write", "replay"]
    for scenario in store["scenarios"]:
        assert scenario["service"]["throughput"] > 0, scenario
        assert scenario["baseline"]["throughput"] > 0, scenario
        assert scenario["service"].get("failures", 0) == 0, scenario
    sizes = store["history"]["sizes"]
    assert list(sizes) == ["10", "100", "1000"]
    assert all(size["requests"] > 0 and size["failures"] == 0 for size in sizes.values())
    assert store["memory"]["server_peak_rss_mb"] > 0
    assert store["memory"]["replay_peak_rss_mb"] > 0
    generator = store["load_generator"]
    expected = "wrk" if shutil.which("wrk") else "bench.load"
    assert generator["tool"].startswith(expected), generator  # wrk whenever it is installed
    assert generator["ceiling_rps"] > 0 and generator["python_client_rps"] > 0
    assert generator["ceiling_reached"] is (generator["server_cpu_percent"] >= 90)
    assert all(s["service"]["client"].startswith(expected) for s in store["scenarios"][:3])
    whole_log = store["whole_log"]
    assert set(whole_log["commands"]) == {"check", "verify", "export"}
    for command, measured in whole_log["commands"].items():
        assert measured["status"] == 0, command  # the generated log verifies, checks equal
        assert measured["events_per_second"] > 0 and measured["peak_rss_mb"] > 0, command
    assert whole_log["commands"]["export"]["bytes"] > 0
    assert whole_log["events"] == store["scenarios"][3]["service"]["events"]
    assert store["scenarios"][3]["service"]["reloads"] == 0
    settled = store["settle"]  # the ledger chained every event before the servers started
    assert settled["ledger"]["events"] >= store["dataset"]["events"] > 0
    assert settled["scheduler"]["seconds"] > 0
    one = store["one_connection"]  # the lookup and the bare endpoint over one connection
    assert one["service"]["mean_ms"] > 0 and one["bare"]["mean_ms"] > 0
    assert one["service"]["client_cpu_percent"] >= 0 and isinstance(one["met"], bool)


def test_the_application_cost_tool_runs() -> None:
    """``python -m bench.app_cost``, the README's breakdown of a lookup and a POST by layer."""
    command = [sys.executable, "-m", "bench.app_cost", "--requests", "20"]
    done = subprocess.run(
        command, cwd=REPOSITORY, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines[:3]] == ["lookup", "bare", "step"]
    shares = [float(line.split("%")[0]) for line in lines if "%" in line]
    assert round(sum(shares)) == 200 and "fastapi" in done.stdout  # two breakdowns
