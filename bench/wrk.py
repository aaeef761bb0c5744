"""The load generator when wrk is installed: the same specs and results as ``bench.load``.

``python -m bench.wrk spec.json result.json`` drives the server with wrk (Debian's
package: ``apt-get install wrk``; never fetched at run time) and ``bench/wrk.lua``:
one connection per wrk thread, so the Lua script can take each connection through a
whole hand-over, and it times every request itself, keeping those answered in the
measured window as ``bench.load`` does. wrk is C on an event loop: on this stack it
drives the bare endpoint at several times the rate ``bench.load``'s asyncio client
reaches, so the ceiling measured is the server's, not the client's. The result also
says which tool made it and the CPU wrk used.
"""

from __future__ import annotations

import json
import math
import resource
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from .load import later_steps

SCRIPT = Path(__file__).with_name("wrk.lua")


def wrk_path() -> str | None:
    """wrk on the PATH, or None (the harness then uses ``bench.load``)."""
    return shutil.which("wrk")


def version() -> str:
    """wrk's version line, e.g. ``wrk debian/4.1.0-3+b2 [epoll]``."""
    done = subprocess.run(
        [wrk_path() or "wrk", "--version"], capture_output=True, text=True, check=False
    )
    first = (done.stdout or done.stderr).splitlines()
    return first[0].split(" Copyright")[0].strip() if first else "wrk"


def _lua(value: Any) -> str:
    """``value`` as a Lua literal (strings, numbers, booleans, lists and string-keyed dicts)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        if not value.isascii():
            raise ValueError(f"not ASCII, so not quoted for Lua: {value!r}")
        return json.dumps(value)  # JSON's escapes of ASCII are Lua's
    if isinstance(value, list | tuple):
        return "{" + ", ".join(_lua(v) for v in value) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no Lua literal for {type(value).__name__}")


def lua_spec(spec: dict[str, Any], output: Path) -> str:
    """The spec as ``bench/wrk.lua`` reads it: hand-over steps as path templates."""
    lua: dict[str, Any] = {
        "kind": spec["kind"],
        "warmup": float(spec["warmup"]),
        "duration": float(spec["duration"]),
        "threads": int(spec["concurrency"]),
        "output": str(output),
        "run": uuid.uuid4().hex,
    }
    if spec["kind"] == "read":
        lua["targets"] = [[path, token or ""] for path, token in spec["targets"]]
    else:
        lua["cases"] = [[c["case_id"], c["holder"], c["other"]] for c in spec["cases"]]
        lua["tokens"] = spec["tokens"]
        lua["idempotency_keys"] = bool(spec.get("idempotency_keys", True))
        lua["steps"] = [
            [name, who, path, json.dumps(body)]
            for name, who, path, body in later_steps("{C}/transfers/{T}", "holder", "other")
        ]
    return f"return {_lua(lua)}\n"


def run(spec: dict[str, Any], prefix: Path) -> dict[str, Any]:
    """Run wrk on ``spec``; ``bench.load``'s result, with the tool and its CPU use.

    wrk's own files go beside ``prefix``: ``<prefix>.lua`` and ``<prefix>.out.json``.
    """
    output = prefix.with_name(f"{prefix.name}.out.json")
    spec_file = prefix.with_name(f"{prefix.name}.lua")
    spec_file.write_text(lua_spec(spec, output), encoding="utf-8")
    threads = str(spec["concurrency"])
    seconds = math.ceil(spec["warmup"] + spec["duration"])  # wrk counts whole seconds
    command = [
        wrk_path() or "wrk", "-t", threads, "-c", threads, "-d", f"{seconds}s",
        "--timeout", "60s", "-s", str(SCRIPT), spec["base_url"], "--", str(spec_file),
    ]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0 or not output.exists():
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    recorded = json.loads(output.read_text(encoding="utf-8", errors="replace"))
    latencies: list[float] = []
    steps: dict[str, list[float]] = {}
    failures: dict[str, int] = {}
    examples: list[str] = []
    for thread in recorded["threads"]:
        for step, values in thread["latencies_ms"].items():
            latencies.extend(values)
            if step:
                steps.setdefault(step, []).extend(values)
        for status, count in thread["failures"].items():
            failures[status] = failures.get(status, 0) + count
        examples.extend(thread["failure_examples"])
    for kind, count in recorded["socket_errors"].items():
        if count:
            failures[f"socket {kind}"] = count
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {
        "seconds": spec["duration"],
        "latencies_ms": latencies,
        "steps_ms": steps,
        "failures": failures,
        "failure_examples": examples[:5],
        "client_cpu_percent": round(100 * cpu / elapsed, 1),
        "client": version(),
    }


def main() -> int:
    spec_path, result_path = Path(sys.argv[1]), Path(sys.argv[2])
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    result = run(spec, result_path.with_suffix(".wrk"))
    result_path.write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
