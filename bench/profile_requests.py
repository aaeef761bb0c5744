"""Per-request cost of the lookup and of a transfer step, in process, for before/after profiles.

``python -m bench.profile_requests [--requests N] [--profile lookup|step|bare] [--store URL]
[--scale S]``
builds the service as ``case-transfer serve`` does (production settings, an encryption
key, a principals file) on a fresh SQLite file (or the PostgreSQL URL given), with
``--scale`` years of national data first (``bench.generate``, then the read models
rebuilt), records a few cases, then sends N requests through ``httpx.ASGITransport``:
the responsibility lookup as a party, the same route on ``bench/bare_app.py``, and
whole hand-overs of POSTs. It prints the CPU and wall time per request of each, and
with ``--profile`` a cProfile of that one, by cumulative time.

Throughput under load (``make bench``) says how far the service is from its ceiling;
this says where one request's time goes, on a busy shared machine, more steadily: CPU
time per request does not depend on what else the machine runs as much as requests per
second do. It is not the whole story: no sockets, no HTTP parsing (the same for both).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import random
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from service.domain.reference import authorities

from .load import later_steps
from .stores import Store, make_credentials, production_environment, production_keys

_TOKENS: dict[str, str] = {}


def _environment(url: str | None, folder: Path) -> dict[str, str]:
    credentials = make_credentials(folder, list(authorities()))
    _TOKENS.update(credentials.authorities)
    store = Store("postgres" if url else "sqlite", url or f"sqlite:///{folder / 'p.sqlite3'}")
    return production_environment(store, credentials, production_keys())


async def _timed(
    name: str, count: int, send: Callable[[], Awaitable[None]], profile: bool
) -> dict[str, float]:
    for _ in range(min(50, count)):  # warm: caches, lazily built validators
        await send()
    profiler = cProfile.Profile() if profile else None
    cpu, wall = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    for _ in range(count):
        await send()
    if profiler:
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
        print(out.getvalue())
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    result = {"cpu_ms": 1000 * cpu / count, "wall_ms": 1000 * wall / count}
    print(f"{name:8} {result['cpu_ms']:.3f} ms CPU, {result['wall_ms']:.3f} ms wall per request")
    return result


async def measure(args: argparse.Namespace) -> None:
    from bench.bare_app import create_app as bare_app
    from bench.prepare import write_pool
    from service.asgi import create_app
    from service.bootstrap import open_store
    from service.domain.case import Case
    from service.settings import Settings

    settings = Settings()
    application = open_store(settings)
    if args.scale:
        _national(application, settings, args.scale)
    rng = random.Random(1)
    pool = write_pool(args.requests // 6 + 60, rng, datetime.now(tz=UTC))
    application.save(*(case for case, _, _ in pool))
    lookup: Case = pool[0][0]
    application.close()

    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://s") as client:
            path = f"/v1/cases/{lookup.id}/responsibility"
            headers = {"Authorization": f"Bearer {_TOKENS[str(pool[0][1].authority)]}"}

            async def read() -> None:
                answer = await client.get(path, headers=headers)
                assert answer.status_code == 200, answer.text

            await _timed("lookup", args.requests, read, args.profile == "lookup")

            cases = iter(pool[1:])
            post = http_post(client)

            async def step() -> None:  # one whole hand-over per call, its POSTs counted
                case, who, other = next(cases)
                await hand_over(post, str(case.id), str(who.authority), str(other.authority))

            if args.profile != "bare":
                per = await _timed("handover", args.requests // 6, step, args.profile == "step")
                print(
                    f"  {POSTS_A_HAND_OVER} POSTs a hand-over: "
                    f"{per['cpu_ms'] / POSTS_A_HAND_OVER:.3f} ms CPU each"
                )

    bare = bare_app()
    transport = httpx.ASGITransport(app=bare)
    async with httpx.AsyncClient(transport=transport, base_url="http://s") as client:

        async def bare_read() -> None:
            answer = await client.get(path)
            assert answer.status_code == 200

        await _timed("bare", args.requests, bare_read, args.profile == "bare")


def _national(application: Any, settings: Any, scale: float) -> None:
    """``scale`` years of national data in the store, the read models rebuilt from them
    and the ledger and scheduler caught up, as ``make bench`` has before its loads."""
    from bench.generate import generate
    from bench.replaying import settle
    from service.adapters.event_store import eventsourcing_env
    from service.adapters.sql import open_engine, prepare_schema
    from service.projections.replay import rebuild, swap

    started = time.perf_counter()
    done = generate(application, scale=scale, end=datetime.now(tz=UTC))
    engine = open_engine(settings)
    try:
        prepare_schema(engine, eventsourcing_env(settings), upgrade=True)
        swap(application, engine, rebuild(application, engine))
    finally:
        engine.dispose()
    settle(settings)
    print(
        f"scale {scale}: {done.events:,} events and read models in "
        f"{time.perf_counter() - started:.0f} s"
    )


_STEPS = later_steps("/v1/cases/C/transfers/T", "holder", "other")
POSTS_A_HAND_OVER = 1 + len(_STEPS)


Post = Callable[[str, str, Any, str], Awaitable[Any]]
"""Sends a POST: the path, the sending authority's code, the body and the
Idempotency-Key; answers the response's JSON (failing unless the status is 2xx)."""


def http_post(client: httpx.AsyncClient) -> Post:
    """POSTs through ``client``, with the sending authority's token."""

    async def post(path: str, who: str, body: Any, key: str) -> Any:
        answer = await client.post(
            path,
            json=body,
            headers={"Authorization": f"Bearer {_TOKENS[who]}", "Idempotency-Key": key},
        )
        assert answer.status_code in (200, 201), (path, answer.status_code, answer.text)
        return answer.json()

    return post


async def hand_over(post: Post, case_id: str, holder: str, other: str) -> None:
    """The proposal, then the load's later steps (``bench.load``), each with its key."""
    case = f"/v1/cases/{case_id}"
    proposal = {"to_authority": other, "reason": "Moved."}
    answer = await post(f"{case}/transfers", holder, proposal, f"{case_id}-p")
    transfer = f"{case}/transfers/{answer['active_transfer']['transfer_id']}"
    for index, (_name, who, template, body) in enumerate(_STEPS):
        path = template.replace("/v1/cases/C/transfers/T", transfer).replace("/v1/cases/C", case)
        code = holder if who == "holder" else other
        await post(path, code, body, f"{case_id}-{index}")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_requests", description=__doc__)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--profile", choices=["lookup", "step", "bare"])
    parser.add_argument("--store", help="a PostgreSQL URL (default: a fresh SQLite file)")
    parser.add_argument(
        "--scale", type=float, default=0, help="years of national data recorded first (0)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ.update(_environment(args.store, Path(folder)))
        asyncio.run(measure(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
