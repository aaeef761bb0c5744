"""``case-transfer principals add``, ``keygen`` and ``openapi``: setting the service up."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..adapters.keys import new_encryption_key
from ..adapters.principals import ROLES, add_principal
from ..settings import Settings, SettingsError

OPENAPI_FILE = Path("openapi/openapi.json")


def register(commands: Any) -> None:
    principals = commands.add_parser("principals", help="manage who may call the API")
    principal_commands = principals.add_subparsers(required=True, metavar="ACTION")
    add = principal_commands.add_parser("add", help="add a principal and print its token once")
    add.add_argument("--name", required=True, help="who the principal is, e.g. its system's name")
    add.add_argument("--role", required=True, help=" | ".join(ROLES))
    add.add_argument("--authority", help="DfE code, e.g. 933 (authority and mash roles)")
    add.add_argument("--agency", help="partner role: agency code, e.g. police-avon-somerset")
    add.add_argument("--agency-name", help="partner role: e.g. 'Avon and Somerset Police'")
    add.add_argument("--agency-kind", help="partner role: police | gp | hospital | ...")
    add.add_argument(
        "--file",
        type=Path,
        help="the principals file (made if missing); default: CASE_TRANSFER_PRINCIPALS_FILE, "
        "and one of the two is required",
    )
    add.set_defaults(run=_add_principal)

    keygen = commands.add_parser(
        "keygen", help="print a new key for CASE_TRANSFER_ENCRYPTION_KEY (256-bit AES)"
    )
    keygen.set_defaults(run=_keygen)

    openapi = commands.add_parser("openapi", help="write the OpenAPI document")
    openapi.add_argument("--output", type=Path, default=OPENAPI_FILE, help="where to write it")
    openapi.set_defaults(run=_write_openapi)


def _add_principal(args: argparse.Namespace) -> int:
    settings = Settings()
    if args.file is None and settings.principals_file is None:
        raise SettingsError(
            "name the principals file with --file or CASE_TRANSFER_PRINCIPALS_FILE (to add "
            f"to the development file, say --file {settings.principals_path})"
        )
    path = args.file or settings.principals_path
    given = {
        "agency": args.agency,
        "agency_name": args.agency_name,
        "agency_kind": args.agency_kind,
    }
    agency = {key: value for key, value in given.items() if value is not None}
    token = add_principal(
        path, name=args.name, role=args.role, authority=args.authority, agency=agency
    )
    print(f"Added {args.name!r} ({args.role}) to {path}. Its token, shown only now:")
    print(token)
    return 0


def _keygen(args: argparse.Namespace) -> int:
    print(new_encryption_key())
    return 0


def _write_openapi(args: argparse.Namespace) -> int:
    from ..api.app import openapi_document

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(openapi_document())
    print(f"Wrote {args.output}")
    return 0
