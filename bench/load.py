"""The load generator: a separate process driving one server with async httpx.

``python -m bench.load spec.json result.json`` runs ``concurrency`` workers for
``warmup + duration`` seconds and writes the latency of every request answered after
the warm-up. A spec's ``kind`` is ``read`` (GET each of ``targets``, ``[path, token]``,
in turn) or ``handover`` (each worker takes cases of the write pool through whole
hand-overs, every POST timed: propose, share information, confirm receipt, propose a
date, agree it, accept, then the new authority's assessment that the next hand-over
needs). The process also reports the CPU time it used, to show when the client, not
the server, is the limit.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from service.domain.calendar import london_date


@dataclass
class Recorder:
    """Latencies (ms) of requests that ended inside the measured window, and failures."""

    measure_from: float
    stop_at: float
    latencies: list[float] = field(default_factory=list)
    steps: dict[str, list[float]] = field(default_factory=dict)
    failures: Counter[str] = field(default_factory=Counter)
    failure_examples: list[str] = field(default_factory=list)

    def running(self) -> bool:
        return time.perf_counter() < self.stop_at

    def record(self, started: float, response: httpx.Response, step: str = "") -> bool:
        ended = time.perf_counter()
        ok = response.is_success
        if ended >= self.measure_from and ended <= self.stop_at:
            if ok:
                milliseconds = (ended - started) * 1000
                self.latencies.append(milliseconds)
                if step:
                    self.steps.setdefault(step, []).append(milliseconds)
            else:
                self.failures[str(response.status_code)] += 1
        if not ok and len(self.failure_examples) < 5:
            self.failure_examples.append(f"{step} {response.status_code} {response.text[:300]}")
        return ok


async def read_worker(
    client: httpx.AsyncClient, spec: dict[str, Any], n: int, rec: Recorder
) -> None:
    targets: list[tuple[str, str | None]] = spec["targets"]
    turn = n * 7919
    while rec.running():
        path, token = targets[turn % len(targets)]
        turn += 1
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        started = time.perf_counter()
        response = await client.get(path, headers=headers)
        rec.record(started, response)


class Poster:
    """POSTs one step of a hand-over as an authority's case system, timing it."""

    def __init__(self, client: httpx.AsyncClient, spec: dict[str, Any], rec: Recorder) -> None:
        self.client, self.rec = client, rec
        self.tokens: dict[str, str] = spec["tokens"]
        self.idempotent: bool = spec.get("idempotency_keys", True)

    async def __call__(self, step: str, authority: str, path: str, body: dict[str, Any]) -> Any:
        """The answer's JSON, or None if the step failed."""
        headers = {"Authorization": f"Bearer {self.tokens[authority]}"}
        if self.idempotent:
            headers["Idempotency-Key"] = uuid.uuid4().hex
        started = time.perf_counter()
        response = await self.client.post(path, json=body, headers=headers)
        return response.json() if self.rec.record(started, response, step) else None


def later_steps(base: str, holder: str, other: str) -> list[tuple[str, str, str, dict[str, Any]]]:
    """The steps after the proposal, to ``base`` (the transfer's path), and the assessment."""
    today = london_date(datetime.now(tz=UTC)).isoformat()
    shared = {"categories": ["assessment", "chronology"], "references": ["DOC-1"]}
    assessment = {
        "completed_on": today,
        "factors": ["1B"],
        "primary_need_code": "N1",
        "summary": "Assessed by the new authority after the hand-over.",
    }
    case = base.split("/transfers/")[0]
    return [
        ("share", holder, f"{base}/information-shared", {**shared, "shared_on": today}),
        ("confirm", other, f"{base}/information-received", {}),
        ("propose date", holder, f"{base}/date-proposals", {"date": today}),
        ("agree date", other, f"{base}/date-agreement", {"date": today}),
        ("accept", other, f"{base}/acceptance", {}),
        ("assess", other, f"{case}/assessments", assessment),
    ]


async def handover_worker(
    client: httpx.AsyncClient, spec: dict[str, Any], n: int, rec: Recorder
) -> None:
    """Take this worker's cases, one after another, through hand-overs back and forth."""
    mine = spec["cases"][n :: spec["concurrency"]]
    post = Poster(client, spec, rec)
    turn = 0
    while rec.running() and mine:
        pooled = mine[turn % len(mine)]
        turn += 1
        case = f"/v1/cases/{pooled['case_id']}"
        holder, other = pooled["holder"], pooled["other"]
        proposal = {"to_authority": other, "reason": "Moved."}
        answer = await post("propose", holder, f"{case}/transfers", proposal)
        if answer is None:
            mine.remove(pooled)  # out of step with the server: leave this case alone
            continue
        transfer = f"{case}/transfers/{answer['active_transfer']['transfer_id']}"
        for step, authority, path, body in later_steps(transfer, holder, other):
            if not rec.running():
                return
            if await post(step, authority, path, body) is None:
                mine.remove(pooled)
                break
        else:
            pooled["holder"], pooled["other"] = other, holder


WORKERS = {"read": read_worker, "handover": handover_worker}


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    concurrency = int(spec["concurrency"])
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    timeout = httpx.Timeout(60.0)
    async with httpx.AsyncClient(
        base_url=spec["base_url"], limits=limits, timeout=timeout
    ) as client:
        began = time.perf_counter()
        rec = Recorder(began + spec["warmup"], began + spec["warmup"] + spec["duration"])
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        worker = WORKERS[spec["kind"]]
        await asyncio.gather(*(worker(client, spec, n, rec) for n in range(concurrency)))
        used = resource.getrusage(resource.RUSAGE_SELF)
        elapsed = time.perf_counter() - began
    return {
        "seconds": spec["duration"],
        "latencies_ms": rec.latencies,
        "steps_ms": rec.steps,
        "failures": dict(rec.failures),
        "failure_examples": rec.failure_examples,
        "client": f"bench.load (httpx {httpx.__version__})",
        "client_cpu_percent": round(
            100 * (used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime) / elapsed, 1
        ),
    }


def main() -> int:
    spec = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    result = asyncio.run(run(spec))
    Path(sys.argv[2]).write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
