"""The ``case-transfer`` command: serve the API, migrate and replay the read models,
manage principals, make a key, write OpenAPI.

Operator mistakes (an unknown role, an unreadable principals file, a bad database
URL, a malformed encryption key, production without its settings, read models at an
old schema) end with one line on stderr and exit status 2, never a traceback.
``replay --check`` exits 1 when the read models differ from the log.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType

from eventsourcing.persistence import ProgrammingError
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from .application import CaseTransferApplication, StoreUnavailableError
from .keys import EncryptionKeyError, new_encryption_key
from .principals import (
    ROLES,
    PrincipalsError,
    add_principal,
    create_development_principals,
    load_principals,
)
from .projections.database import (
    ReadModelSchemaError,
    migrate,
    prepare_schema,
    read_model_engine,
    schema_revisions,
)
from .projections.replay import Comparison, compare, discard, rebuild, swap
from .projections.runner import Progress, read_model_errors
from .settings import Settings, SettingsError
from .store import StoreConfigurationError, eventsourcing_env, startup_lock

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
        ReadModelSchemaError,
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
    except DBAPIError as error:  # e.g. a role without the grants a migration needs
        print(f"case-transfer: the database refused: {_first_line(error.orig)}", file=sys.stderr)
        return 2
    except ProgrammingError as error:  # e.g. no event tables, and not allowed to create them
        print(f"case-transfer: the database refused: {_first_line(error)}", file=sys.stderr)
        return 2
    return result


def _first_line(error: BaseException | None) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


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

    migrate_command = commands.add_parser(
        "migrate", help="upgrade the read models' schema (before serving a new version)"
    )
    migrate_command.set_defaults(run=_migrate)

    replay = commands.add_parser(
        "replay", help="rebuild the read models from the event log and swap them in"
    )
    replay.add_argument(
        "--check",
        action="store_true",
        help="rebuild aside and list every difference from the live read models instead "
        "(exit 1 if any); the live rows are not replaced",
    )
    replay.set_defaults(run=_replay)

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
    _prepare_read_models(settings)  # a stale schema stops here, with one line
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


def _prepare_read_models(settings: Settings) -> None:
    """Upgrade the read models' schema (development) or refuse a stale one, before serving."""
    engine = read_model_engine(settings)
    try:
        with read_model_errors():
            prepare_schema(engine, eventsourcing_env(settings), upgrade=settings.create_tables)
    finally:
        engine.dispose()


def _migrate(args: argparse.Namespace) -> int:
    settings = Settings()
    env = eventsourcing_env(settings)  # a bad URL stops here; makes an SQLite file's folder
    engine = read_model_engine(settings)
    try:
        with read_model_errors():
            before, _ = schema_revisions(engine)
            with startup_lock(env):  # replicas starting now wait for the upgrade
                migrate(engine)
            after, _ = schema_revisions(engine)
    finally:
        engine.dispose()
    if before == after:
        print(f"The read models' schema is already at revision {after}.")
    else:
        print(f"Upgraded the read models' schema from {before or 'none'} to revision {after}.")
    return 0


def _replay(args: argparse.Namespace) -> int:
    """Rebuild aside with a progress bar on stderr, then swap in, or compare (``--check``)."""
    settings = Settings()
    settings.check()
    env = eventsourcing_env(settings)
    started = time.monotonic()
    application = CaseTransferApplication(env, index_key=settings.index_key)
    engine = read_model_engine(settings)
    try:
        application.check_key()  # a key that cannot read the log: no rebuild
        with read_model_errors():
            prepare_schema(engine, env, upgrade=settings.create_tables)
        try:
            with _progress_bar() as show:
                rebuilt = rebuild(application, engine, show)
            if args.check:
                return _report(compare(application, engine, rebuilt))
            swapped = swap(application, engine, rebuilt)
        except BaseException:
            with suppress(StoreUnavailableError, DBAPIError):  # the first error is the one
                discard(engine)  # interrupted or failed: leave no shadow tables behind
            raise
    finally:
        engine.dispose()
        application.close()
    seconds = time.monotonic() - started
    print(
        f"Replayed {swapped.position:,} events ({swapped.events:,} case events, "
        f"{swapped.cases:,} cases) in {seconds:.1f} s: {swapped.position / seconds:,.0f} events/s."
    )
    print(f"The read models now reflect the log at position {swapped.position:,}.")
    return 0


def _report(comparison: Comparison) -> int:
    """Every difference on stdout, then the verdict; exit 1 if the read models differ."""
    for difference in comparison.differences:
        print(difference)
    found = len(comparison.differences)
    if not found:
        print(f"The read models match the log at position {comparison.position:,}.")
        return 0
    print(
        f"{found} difference{'s' if found != 1 else ''}: the read models do not match the "
        f"log at position {comparison.position:,}; `case-transfer replay` rebuilds them."
    )
    return 1


@contextmanager
def _progress_bar() -> Iterator[Callable[[Progress], None]]:
    """A rich progress bar on stderr: events read of the log's, events/s, time left.

    Every entry of the log counts (a case's events, the child index's, remembered
    requests), as the position in the log does; the summary counts the case events.
    """
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.progress import Progress as Bar

    with Bar(
        TextColumn("Rebuilding"),
        BarColumn(bar_width=20),
        MofNCompleteColumn(),
        TextColumn("events"),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
    ) as bar:
        task = bar.add_task("rebuild", total=None, rate="")

        def show(progress: Progress) -> None:
            bar.update(task, completed=progress.position, total=progress.head)
            speed = bar.tasks[task].speed
            rate = f"{speed:,.0f} events/s" if speed else ""
            bar.update(task, rate=rate)

        yield show


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
