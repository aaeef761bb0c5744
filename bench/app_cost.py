"""What a lookup and a transfer step cost inside the application, and by layer.

``python -m bench.app_cost [--requests N] [--store URL]`` builds the service as
``case-transfer serve`` does (production settings, an encryption key, a principals
file, its JSON logging) on a fresh SQLite file (or the PostgreSQL URL given), records
cases, and calls the ASGI application directly: no client, no socket, no HTTP parsing,
and the route's work run in this thread rather than handed to the thread pool, so that
cProfile sees the whole request. It prints the CPU per request of the responsibility
lookup, of ``bench/bare_app.py``'s endpoint called the same way, and of a transfer step
(whole hand-overs of POSTs, as ``make bench`` sends them), then the lookup's and the
POSTs' profiled time by where the code lives (FastAPI, Starlette, pydantic, the
service, eventsourcing, SQLite, psycopg, asyncio, logging, the standard library).
cProfile times by the clock, so a call that waits (a commit's fsync, a round trip to
PostgreSQL) counts its wait where it is made.

Under load (``make bench``, wrk) each request also pays for uvicorn's HTTP parsing, the
socket and the event loop (the bare endpoint's whole cost there is several times its
cost here) and, for the service, the hand-off to a worker thread. This measures what
only the application adds: the part a change to the service's own code can shrink.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import cProfile
import json
import logging.config
import os
import pstats
import random
import sysconfig
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Message

from .profile_requests import _TOKENS, POSTS_A_HAND_OVER, _environment, hand_over

STANDARD_LIBRARY = sysconfig.get_paths()["stdlib"]
LAYERS = (
    ("fastapi", "/fastapi/"),
    ("starlette", "/starlette/"),
    ("pydantic", "/pydantic"),
    ("the service", "/service/"),
    ("eventsourcing", "/eventsourcing/"),
    ("SQLAlchemy", "/sqlalchemy/"),
    ("psycopg", "/psycopg"),
    ("asyncio", "/asyncio/"),
    ("logging", "/logging/"),
    ("anyio", "/anyio/"),
)


async def _inline(*args: Any, **kwargs: Any) -> Any:
    """``run_in_threadpool``'s signature, run here: the function is the first argument."""
    return args[0](*args[1:], **kwargs)


def _run_routes_inline() -> None:
    """Routes' blocking work in the calling thread (this tool only): the thread pool's
    hand-off is a cost of serving under load, not of the application's code."""
    import fastapi.routing

    import service.api.routing

    service.api.routing.run_in_threadpool = _inline  # type: ignore[attr-defined]
    fastapi.routing.run_in_threadpool = _inline  # type: ignore[attr-defined]


async def _request(
    app: ASGIApp,
    method: str,
    path: str,
    token: str | None,
    body: dict[str, Any] | None = None,
    key: str | None = None,
) -> bytes:
    """One request straight into ``app``; its answer's body (the status must be 2xx)."""
    headers = [(b"host", b"bench")]
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    content = json.dumps(body).encode() if body is not None else b""
    if body is not None:
        headers += [
            (b"content-type", b"application/json"),
            (b"content-length", b"%d" % len(content)),
        ]
    if key is not None:
        headers.append((b"idempotency-key", key.encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("bench", 80),
    }
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": content, "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    answer = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert 200 <= sent[0]["status"] < 300, (path, sent[0]["status"], answer[:500])
    return answer


def _caller(app: ASGIApp, path: str, token: str | None) -> Callable[[], Awaitable[None]]:
    async def call() -> None:
        await _request(app, "GET", path, token)

    return call


def _hand_overs(app: ASGIApp, pool: list[tuple[str, str, str]]) -> Callable[[], Awaitable[None]]:
    """A call per hand-over of the next case of ``pool`` (its id, the responsible
    authority's code, the other's), its POSTs sent straight into ``app``."""
    cases = iter(pool)

    async def post(path: str, who: str, body: Any, key: str) -> Any:
        return json.loads(await _request(app, "POST", path, _TOKENS[who], body, key))

    async def call() -> None:
        await hand_over(post, *next(cases))

    return call


async def _cpu_ms(call: Callable[[], Awaitable[None]], count: int, warm: int = 200) -> float:
    for _ in range(min(warm, count)):  # warm: caches, lazily built validators
        await call()
    started = time.process_time()
    for _ in range(count):
        await call()
    return 1000 * (time.process_time() - started) / count


async def _by_layer(call: Callable[[], Awaitable[None]], count: int) -> list[tuple[str, float]]:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        await call()
    profiler.disable()
    stats: dict[Any, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    layers: collections.Counter[str] = collections.Counter()
    for (filename, _line, name), (_cc, _nc, own, _cum, _callers) in stats.items():
        if filename == "~":  # a C function: the sqlite3 and psycopg calls stand apart
            layer = "SQLite (C)" if "sqlite3" in name else "C functions"
        else:
            standard = filename.startswith((STANDARD_LIBRARY, "<frozen"))
            fallback = "the standard library" if standard else "other Python"
            layer = next((label for label, part in LAYERS if part in filename), fallback)
        layers[layer] += own
    total = sum(layers.values())
    return [(layer, 100 * own / total) for layer, own in layers.most_common()]


async def measure(count: int) -> None:
    from bench.bare_app import create_app as bare_app
    from bench.prepare import write_pool
    from service.asgi import create_app
    from service.bootstrap import open_store
    from service.http.logs import logging_config
    from service.settings import Settings

    _run_routes_inline()
    logging.config.dictConfig(logging_config("INFO"))  # as served: a JSON line per request
    settings = Settings()
    hand_overs = max(5, count // 100)
    application = open_store(settings)
    pool = write_pool(1 + 3 * hand_overs, random.Random(1), datetime.now(tz=UTC))
    application.save(*(case for case, _, _ in pool))
    application.close()
    case, holder, _ = pool[0]
    path = f"/v1/cases/{case.id}/responsibility"
    cases = [(str(c.id), str(h.authority), str(o.authority)) for c, h, o in pool[1:]]

    app = create_app(settings)
    async with app.router.lifespan_context(app):
        lookup = _caller(app, path, _TOKENS[str(holder.authority)])
        lookup_ms = await _cpu_ms(lookup, count)
        lookup_layers = await _by_layer(lookup, count)
        steps = _hand_overs(app, cases)
        step_ms = await _cpu_ms(steps, hand_overs, warm=hand_overs) / POSTS_A_HAND_OVER
        step_layers = await _by_layer(steps, hand_overs)
    bare_ms = await _cpu_ms(_caller(bare_app(), path, None), count)
    print(f"lookup {lookup_ms:.3f} ms CPU per request inside the application")
    print(f"bare   {bare_ms:.3f} ms CPU per request inside the application")
    print(f"step   {step_ms:.3f} ms CPU per POST (a hand-over's {POSTS_A_HAND_OVER}, in turn)")
    for name, layers in (("the lookup", lookup_layers), ("a POST", step_layers)):
        print(f"{name}'s profiled time, by layer:")
        for layer, share in layers:
            print(f"  {share:5.1f}%  {layer}")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.app_cost", description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--store", help="a PostgreSQL URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ.update(_environment(args.store, Path(folder)))
        asyncio.run(measure(args.requests))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
