"""The ``case-transfer`` command: serve the API, manage principals, make a key, write OpenAPI.

Operator mistakes (an unknown role, an unreadable principals file, a bad database
URL, a malformed encryption key, production without its settings) end with one line
on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from pydantic import ValidationError

from .application import CaseTransferApplication, StoreUnavailableError
from .keys import EncryptionKeyError, new_encryption_key
from .principals import (
    ROLES,
    PrincipalsError,
    add_principal,
    create_development_principals,
    load_principals,
)
from .settings import Settings, SettingsError
from .store import StoreConfigurationError, eventsourcing_env

OPENAPI_FILE = Path("openapi/openapi.json")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        result: int = args.run(args)
    except (
        PrincipalsError,
        StoreConfigurationError,
        SettingsError,
        EncryptionKeyError,
        OSError,
    ) as error:
        print(f"case-transfer: {error}", file=sys.stderr)
        return 2
    except ValidationError as error:
        print(f"case-transfer: {_first_setting_error(error)}", file=sys.stderr)
        return 2
    except StoreUnavailableError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        print(f"case-transfer: the database cannot be reached: {first_line}", file=sys.stderr)
        return 2
    return result


def _first_setting_error(error: ValidationError) -> str:
    """One line naming the variable; the value is never repeated (it may be a secret)."""
    first = error.errors(include_url=False, include_input=False)[0]
    name = "CASE_TRANSFER_" + "_".join(str(part) for part in first["loc"]).upper()
    return f"{name}: {first['msg']}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="case-transfer", description="The case transfer service.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(run=_serve)

    principals = commands.add_parser("principals", help="manage who may call the API")
    principal_commands = principals.add_subparsers(required=True, metavar="ACTION")
    add = principal_commands.add_parser("add", help="add a principal and print its token once")
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True, help=" | ".join(ROLES))
    add.add_argument("--authority", help="DfE code, e.g. 933 (authority and mash roles)")
    add.add_argument("--file", type=Path, help="default: CASE_TRANSFER_PRINCIPALS_FILE")
    add.set_defaults(run=_add_principal)

    keygen = commands.add_parser(
        "keygen", help="print a new key for CASE_TRANSFER_ENCRYPTION_KEY (256-bit AES)"
    )
    keygen.set_defaults(run=_keygen)

    openapi = commands.add_parser("openapi", help="write the OpenAPI document")
    openapi.add_argument("--output", type=Path, default=OPENAPI_FILE)
    openapi.set_defaults(run=_write_openapi)
    return parser


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .api.observability import logging_config

    settings = Settings()
    settings.check()  # production without its settings, or a malformed key, stops here
    eventsourcing_env(settings)  # a bad URL stops here, with one line
    if settings.uses_development_principals:
        _announce_development_principals(settings.principals_path)
    load_principals(settings.principals_path)  # an unreadable file stops here, with one line
    _check_store(settings)
    print(f"Serving on http://{args.host}:{args.port} (API docs at /docs)", flush=True)
    signal.signal(signal.SIGTERM, _stopped_gracefully)
    uvicorn.run(
        "service.api.app:create_app",
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


def _check_store(settings: Settings) -> None:
    """Open the store once before serving, so an unreachable database is one line, not a trace."""
    application = CaseTransferApplication(eventsourcing_env(settings), index_key=settings.index_key)
    try:
        application.check_store()
        application.check_key()
    finally:
        application.close()


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


def _add_principal(args: argparse.Namespace) -> int:
    settings = Settings()
    if args.file is None and settings.env == "production" and settings.principals_file is None:
        raise SettingsError(
            "CASE_TRANSFER_ENV=production: name the file with --file or "
            "CASE_TRANSFER_PRINCIPALS_FILE (the development file is never made in production)"
        )
    path = args.file or settings.principals_path
    token = add_principal(path, name=args.name, role=args.role, authority=args.authority)
    print(f"Added {args.name!r} ({args.role}) to {path}. Its token, shown only now:")
    print(token)
    return 0


def _keygen(args: argparse.Namespace) -> int:
    print(new_encryption_key())
    return 0


def _write_openapi(args: argparse.Namespace) -> int:
    from .api.openapi import openapi_document

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(openapi_document())
    print(f"Wrote {args.output}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
