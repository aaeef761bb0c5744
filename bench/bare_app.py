"""The read baseline: a bare FastAPI JSON endpoint, served as the service is served.

Same route shape and a same-sized answer as ``GET /v1/cases/{id}/responsibility``, a
plain ``def`` handler run in the thread pool like the service's, and ``main`` starts
uvicorn with the arguments ``case-transfer serve`` uses (one worker, the service's
JSON logging, no access log). No authentication, no store, no middleware: the
ceiling for any endpoint on this stack.
"""

from __future__ import annotations

import argparse
from typing import Any
from uuid import UUID

from fastapi import FastAPI

ANSWER: dict[str, Any] = {
    "authority": {"code": "933", "name": "Somerset"},
    "since": "2026-01-05T10:12:00Z",
    "until": None,
    "at": "2026-11-26T10:00:00Z",
    "as_known_at": "2026-11-26T10:00:00Z",
}


def create_app() -> FastAPI:
    app = FastAPI(title="bare baseline")

    @app.get("/v1/cases/{case_id}/responsibility")
    def responsibility(case_id: UUID) -> dict[str, Any]:
        return ANSWER

    @app.get("/health/live")
    def live() -> dict[str, str]:
        return {"status": "live"}

    return app


def main() -> int:
    import uvicorn

    from service.http.logs import logging_config

    parser = argparse.ArgumentParser(prog="python -m bench.bare_app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    uvicorn.run(
        "bench.bare_app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=1,
        log_config=logging_config("INFO"),
        log_level="info",
        access_log=False,
        timeout_graceful_shutdown=20,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
