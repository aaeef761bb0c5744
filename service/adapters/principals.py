"""Principals: who may call the API, read from a TOML file of token digests.

Only the SHA-256 hex digest of each bearer token is stored (DESIGN.md, "Principals"), so
the file can be read by operators without handing out tokens; a new token is shown once,
when it is made. The file is checked strictly when loaded: a typo in a security
configuration should stop the service starting, not quietly lock a case system out or let
it in under the wrong authority.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from ..domain.case.discussion import AGENCY_KINDS
from ..domain.reference import authorities

Role = Literal["authority", "mash", "auditor", "partner"]
ROLES: tuple[Role, ...] = get_args(Role)
_ROLES_NEEDING_AUTHORITY: frozenset[str] = frozenset({"authority", "mash"})
_DIGEST = re.compile(r"[0-9a-f]{64}")
_AGENCY_CODE = re.compile(r"[a-z0-9][a-z0-9-]{1,62}[a-z0-9]")
_AGENCY_KEYS = ("agency", "agency_name", "agency_kind")
_KEYS = frozenset({"name", "role", "authority", "token_sha256", *_AGENCY_KEYS})


class PrincipalsError(Exception):
    """Raised when a principals file cannot be read or a principal is invalid."""


@dataclass(frozen=True)
class Principal:
    """A caller of the API: a case system acts for one authority; MASH staff look up for
    one; a partner agency (police, GP practice, hospital...) takes part in decisions for
    its agency, named by ``agency`` (a code such as ``police-avon-somerset``, the code
    authorities use when they invite it), ``agency_name`` and ``agency_kind``."""

    name: str
    role: Role
    authority: str | None
    agency: str | None = None
    agency_name: str | None = None
    agency_kind: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise PrincipalsError(f"role {self.role!r} is not one of {', '.join(ROLES)}")
        if self.role in _ROLES_NEEDING_AUTHORITY and self.authority is None:
            raise PrincipalsError(f"role {self.role!r} needs an authority code")
        if self.role not in _ROLES_NEEDING_AUTHORITY and self.authority is not None:
            raise PrincipalsError(f"role {self.role!r} acts for no authority")
        agency = (self.agency, self.agency_name, self.agency_kind)
        if self.role == "partner":
            _check_agency(*agency)
        elif any(value is not None for value in agency):
            raise PrincipalsError(f"role {self.role!r} is no partner agency: no agency keys")

    @property
    def acts_for(self) -> str | None:
        """The authority, or for a partner the agency, this principal acts for."""
        return self.agency if self.role == "partner" else self.authority


def _check_agency(code: Any, name: Any, kind: Any) -> None:
    """A partner names its agency: a code of lowercase letters, digits and hyphens, a
    name, and a kind from the list."""
    if not isinstance(code, str) or not _AGENCY_CODE.fullmatch(code):
        raise PrincipalsError(
            "role 'partner' needs agency, a code of 3 to 64 lowercase letters, digits and "
            'hyphens, e.g. "police-avon-somerset"'
        )
    if code in authorities():
        raise PrincipalsError("a partner's agency code cannot be an authority's DfE code")
    if not isinstance(name, str) or not name.strip() or not name.isprintable():
        raise PrincipalsError("role 'partner' needs agency_name, a printable name")
    if kind not in AGENCY_KINDS:
        raise PrincipalsError(f"agency_kind must be one of {', '.join(AGENCY_KINDS)}")


class PrincipalDirectory:
    """The principals of one file, and the only way to turn a bearer token into one."""

    def __init__(self, entries: Iterable[tuple[Principal, str]]) -> None:
        self._entries = tuple(entries)
        self._by_digest = {stored: principal for principal, stored in self._entries}

    @property
    def principals(self) -> tuple[Principal, ...]:
        return tuple(principal for principal, _ in self._entries)

    def authenticate(self, token: str) -> Principal | None:
        """The principal whose token this is, or None.

        Found by the SHA-256 digest of the token presented, in a mapping of the stored
        digests: one lookup, whatever the number of principals (comparing every stored
        digest cost each request a compare per principal). What the lookup's time could
        depend on is the digest of the caller's own guess, which the caller knows; it
        says nothing about any stored digest that the caller could not get only by
        finding a token that hashes to it.
        """
        return self._by_digest.get(_sha256(token))


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _principal(
    name: Any, role: Any, authority: Any, agency: dict[str, Any] | None = None
) -> Principal:
    """A checked Principal from untrusted values; the message names what is wrong."""
    if not isinstance(name, str) or not name.strip() or not name.isprintable():
        raise PrincipalsError("name must be a non-empty string of printable characters")
    if role not in ROLES:
        raise PrincipalsError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if authority is not None:
        if not isinstance(authority, str):
            raise PrincipalsError(
                f'authority must be a quoted DfE code such as "933", not {authority!r}'
            )
        if authority not in authorities():
            raise PrincipalsError(f"authority {authority!r} is not a DfE authority code")
    return Principal(name=name, role=role, authority=authority, **(agency or {}))


def load_principals(path: Path) -> PrincipalDirectory:
    """The principals in the TOML file at ``path``; any problem is one PrincipalsError."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PrincipalsError(
            f"{path}: cannot read principals file: {exc.strerror or exc}"
        ) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        message = " ".join(str(exc).split())
        raise PrincipalsError(f"{path}: not a valid TOML file: {message}") from exc
    extra = set(document) - {"principal"}
    if extra:
        raise PrincipalsError(
            f"{path}: unexpected top-level keys {sorted(extra)}; expected [[principal]] tables"
        )
    tables = document.get("principal", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise PrincipalsError(f"{path}: principals must be written as [[principal]] tables")
    entries: list[tuple[Principal, str]] = []
    names: set[str] = set()
    digests: set[str] = set()
    for number, table in enumerate(tables, start=1):
        where = f"{path}: principal #{number}" + (
            f" ({table['name']!r})" if "name" in table else ""
        )
        try:
            entries.append(_entry(table, names, digests))
        except PrincipalsError as exc:
            raise PrincipalsError(f"{where}: {exc}") from None
    return PrincipalDirectory(entries)


def _entry(table: dict[str, Any], names: set[str], digests: set[str]) -> tuple[Principal, str]:
    unknown = set(table) - _KEYS
    if unknown:
        raise PrincipalsError(f"unknown keys {sorted(unknown)}")
    missing = {"name", "role", "token_sha256"} - set(table)
    if missing:
        raise PrincipalsError(f"missing {', '.join(sorted(missing))}")
    agency = {key: table[key] for key in _AGENCY_KEYS if key in table}
    principal = _principal(table["name"], table["role"], table.get("authority"), agency)
    digest = table["token_sha256"]
    if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
        raise PrincipalsError("token_sha256 must be 64 lowercase hexadecimal characters")
    if principal.name in names:
        raise PrincipalsError("another principal already has this name")
    if digest in digests:
        raise PrincipalsError("another principal already has this token")
    names.add(principal.name)
    digests.add(digest)
    return principal, digest


def _block(principal: Principal, token: str) -> str:
    """One [[principal]] table; json.dumps of a printable str is a valid TOML basic string."""
    lines = ["[[principal]]", f"name = {json.dumps(principal.name, ensure_ascii=False)}"]
    lines.append(f"role = {json.dumps(principal.role)}")
    if principal.authority is not None:
        lines.append(f"authority = {json.dumps(principal.authority)}")
    for key in _AGENCY_KEYS:
        value = getattr(principal, key)
        if value is not None:
            lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
    lines.append(f"token_sha256 = {json.dumps(_sha256(token))}")
    block = "\n".join(lines) + "\n"
    tomllib.loads(block)  # Written by hand, so prove it parses before it reaches the file.
    return block


def add_principal(
    path: Path,
    *,
    name: str,
    role: str,
    authority: str | None,
    agency: dict[str, str] | None = None,
) -> str:
    """Append a new principal to the file at ``path`` and return its token.

    The token is shown only this once; the file keeps its digest. The file (and its
    folders) are created if missing; an existing file must load cleanly, so a broken file
    is never appended to, and the name must be new.
    """
    try:
        principal = _principal(name, role, authority, agency)
    except PrincipalsError as exc:
        raise PrincipalsError(f"{path}: cannot add {name!r}: {exc}") from None
    existing = ""
    if path.exists():
        if name in {p.name for p in load_principals(path).principals}:
            raise PrincipalsError(f"{path}: cannot add {name!r}: a principal has that name already")
        existing = path.read_text(encoding="utf-8")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    separator = "" if not existing else ("\n" if existing.endswith("\n") else "\n\n")
    with path.open("a", encoding="utf-8") as file:
        file.write(separator + _block(principal, token))
    return token


_DEVELOPMENT: tuple[tuple[str, Role, str | None], ...] = (
    ("Somerset case system", "authority", "933"),
    ("Bristol case system", "authority", "801"),
    ("Leeds case system", "authority", "383"),
    ("Somerset MASH", "mash", "933"),
    ("Auditor", "auditor", None),
)


def create_development_principals(path: Path) -> dict[str, str]:
    """Write a development principals file if none exists; return name -> token.

    Returns an empty dict when the file is already there: its tokens cannot be recovered,
    and overwriting it would lock out every client already configured with them. The file
    is created exclusively, so two processes starting at once cannot both write it.
    """
    tokens = {name: secrets.token_urlsafe(32) for name, _, _ in _DEVELOPMENT}
    blocks = [
        _block(Principal(name, role, authority), tokens[name])
        for name, role, authority in _DEVELOPMENT
    ]
    header = (
        "# Development principals only: generated on first run, tokens printed once.\n"
        "# Never use this file in production; add real principals with the CLI.\n\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as file:
            file.write(header + "\n".join(blocks))
    except FileExistsError:
        return {}
    return tokens
