"""The ``case-transfer`` command: serve the API, migrate and replay the read models,
manage principals, make a key, write OpenAPI.

Each module here registers its own sub-commands. Operator mistakes (an unknown role,
an unreadable principals file, a bad database URL, a malformed encryption key,
production without its settings, read models at an old schema) end with one line on
stderr and exit status 2, never a traceback. ``replay --check`` exits 1 when the read
models differ from the log; ``verify`` exits 1 when the event store differs from its
ledger or a checkpoint.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from eventsourcing.persistence import ProgrammingError
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from ..adapters.event_store import StoreConfigurationError, StoreUnavailableError
from ..adapters.keys import EncryptionKeyError
from ..adapters.principals import PrincipalsError
from ..adapters.sql import ReadModelSchemaError
from ..audit.signing import CheckpointError, SigningKeyError
from ..settings import SettingsError
from . import admin, audit_verify, deliver, export, read_models, serving
from .help import HelpFormatter, describe


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
        SigningKeyError,
        CheckpointError,
        ReadModelSchemaError,
        OSError,
    ) as error:
        print(f"case-transfer: {error}", file=sys.stderr)
        return 2
    except ValidationError as error:
        print(f"case-transfer: {_first_setting_error(error)}", file=sys.stderr)
        return 2
    except StoreUnavailableError as error:
        print(
            f"case-transfer: the database cannot be reached: {_first_line(error)}", file=sys.stderr
        )
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
    parser = argparse.ArgumentParser(
        prog="case-transfer",
        description="The case transfer service.",
        formatter_class=HelpFormatter,
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    for module in (serving, deliver, admin, read_models, export, audit_verify):
        module.register(commands)
    describe(commands)
    return parser
