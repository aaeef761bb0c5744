"""``case-transfer serve``: check everything an operator could have got wrong, then serve."""

from __future__ import annotations

import argparse
import signal
import socket
from pathlib import Path
from types import FrameType
from typing import Any

from ..adapters.event_store import eventsourcing_env
from ..adapters.principals import (
    PrincipalsError,
    create_development_principals,
    load_principals,
)
from ..audit.signing import (
    DEVELOPMENT_SIGNING_KEY_FILE,
    development_key_notice,
    development_signing_key,
)
from ..bootstrap import check_settings, open_service
from ..settings import Settings


def register(commands: Any) -> None:
    serve = commands.add_parser(
        "serve",
        help="run the HTTP API",
        description="Check the settings, the principals and the store, then serve the API "
        "and the MASH pages.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="TCP port to listen on")
    serve.add_argument(
        "--workers", type=int, default=1, help="worker processes (each its own application)"
    )
    serve.set_defaults(run=_serve)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from ..http.logs import logging_config

    settings = Settings()
    check_settings(settings)  # production without its settings, or a malformed key, stops here
    eventsourcing_env(settings)  # a bad URL stops here, with one line
    if settings.uses_development_principals:
        _announce_development_principals(settings.principals_path)
    if settings.signing_key is None:  # development: production stopped at check()
        _, made = development_signing_key(DEVELOPMENT_SIGNING_KEY_FILE)
        print(development_key_notice(DEVELOPMENT_SIGNING_KEY_FILE, made), flush=True)
    directory = load_principals(settings.principals_path)  # unreadable: one line
    if not directory.principals:
        raise PrincipalsError(
            f"{settings.principals_path} names no principal, so nobody could call the "
            "service; add one with `case-transfer principals add`"
        )
    _check_store(settings)  # an unreachable store, a wrong key or a stale schema: one line
    _check_port_free(args.host, args.port)  # a busy port: one line, before "Serving on"
    print(f"Serving on http://{args.host}:{args.port} (API docs at /docs)", flush=True)
    signal.signal(signal.SIGTERM, _stopped_gracefully)
    uvicorn.run(
        "service.asgi:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=logging_config("INFO"),
        log_level="info",
        access_log=False,  # RequestLogging logs each request, without its query string
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
    )
    return 0


def _stopped_gracefully(signum: int, frame: FrameType | None) -> None:
    """Exit 0 on a SIGTERM that uvicorn re-raises once it has shut down gracefully.

    uvicorn handles SIGTERM itself while serving (requests in flight get
    ``shutdown_grace_seconds`` to finish), then raises it again after restoring this
    handler: the shutdown was clean by then, so the process ends with status 0.
    """
    raise SystemExit(0)


def _check_port_free(host: str, port: int) -> None:
    """Refuse a port another process listens on before saying "Serving on" (uvicorn would
    say it cannot bind only after the start-up messages)."""
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as error:
        raise OSError(
            f"cannot listen on {host}:{port} ({error.strerror or error}); is another server "
            "running there? choose another with --port"
        ) from None


def _check_store(settings: Settings) -> None:
    """Open the service once before serving: an unreachable database, a key that cannot
    read the store, or read models at another schema is one line, not a trace."""
    open_service(settings).close()


def _announce_development_principals(path: Path) -> None:
    tokens = create_development_principals(path)
    if not tokens:
        print(
            f"Using development principals in {path} (tokens were printed when it was "
            "made; delete the file to make new ones).",
            flush=True,
        )
        return
    print(f"DEVELOPMENT ONLY: made {path}. These tokens are shown once:", flush=True)
    for name, token in tokens.items():
        print(f"  {name:<22} {token}", flush=True)
    print("Set CASE_TRANSFER_PRINCIPALS_FILE to a real file in any shared environment.")
