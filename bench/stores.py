"""Fresh stores for one benchmark run, and the production settings every process shares.

Each store is new for each run: a new SQLite file in the run's folder, or a new
schema in the PostgreSQL database, dropped afterwards. Every process of a run (the
data generator, the servers, the baselines) reads its settings from the same
``CASE_TRANSFER_*`` environment, as the service does in production.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from service.adapters.keys import new_encryption_key
from service.adapters.principals import add_principal
from service.settings import Settings

MASH = "bench-mash"


@dataclass(frozen=True)
class Store:
    """One store of one run: its kind (``sqlite`` or ``postgres``) and database URL."""

    kind: str
    url: str


@dataclass(frozen=True)
class Credentials:
    """The principals file and the tokens of the principals the load uses.

    ``authorities`` maps each authority code to its case system's token; the MASH
    token reads any case. Tokens stay in memory and in the run's private folder.
    """

    principals_file: Path
    authorities: dict[str, str]
    mash: str


@contextmanager
def fresh_store(
    kind: str, folder: Path, postgres_url: str, *, keep: bool = False
) -> Iterator[Store]:
    """A new, empty store of ``kind``; a PostgreSQL schema is dropped afterwards unless ``keep``."""
    if kind == "sqlite":
        yield Store(kind, f"sqlite:///{(folder / 'bench.sqlite3').resolve()}")
        return
    if kind != "postgres":
        raise ValueError(f"unknown store {kind!r}: use sqlite or postgres")
    schema = f"bench_{secrets.token_hex(4)}"
    try:
        with psycopg.connect(_libpq(postgres_url), autocommit=True) as connection:
            connection.execute(f"CREATE SCHEMA {schema}")
    except psycopg.OperationalError as error:
        raise RuntimeError(
            f"PostgreSQL is not reachable at {_libpq(postgres_url)} ({error}); "
            "give --postgres-url, or --stores sqlite"
        ) from error
    try:
        yield Store(kind, f"{postgres_url.split('?')[0]}?schema={schema}")
    finally:
        if not keep:
            with psycopg.connect(_libpq(postgres_url), autocommit=True) as connection:
                connection.execute(f"DROP SCHEMA {schema} CASCADE")


def _libpq(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def make_credentials(folder: Path, authority_codes: list[str]) -> Credentials:
    """A principals file with a case system for every authority and one MASH principal."""
    path = folder / "principals.toml"
    tokens = {
        code: add_principal(
            path, name=f"bench case system {code}", role="authority", authority=code
        )
        for code in authority_codes
    }
    mash = add_principal(path, name=MASH, role="mash", authority=authority_codes[0])
    return Credentials(path, tokens, mash)


def production_keys() -> dict[str, str]:
    """New keys for the run: the encryption key, and a signing key where Settings has one."""
    keys = {"CASE_TRANSFER_ENCRYPTION_KEY": new_encryption_key()}
    if "signing_key" in Settings.model_fields:
        from service.audit.signing import new_signing_key

        keys["CASE_TRANSFER_SIGNING_KEY"] = new_signing_key()
    return keys


def production_environment(
    store: Store, credentials: Credentials, keys: dict[str, str]
) -> dict[str, str]:
    """The process environment of every process of the run: production settings.

    Anything ``CASE_TRANSFER_*`` already set in the caller's environment is dropped, so
    a developer's own settings cannot leak into the measurement.

    One setting departs from production: the settle margin is off. With it, an
    acceptance for today takes effect 5 s after it is recorded, so the write scenario's
    workers would wait that long before the new authority's assessment on every
    hand-over, and measure their own waiting; what the margin costs a request (one
    clock reading before the commit) is negligible.
    """
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CASE_TRANSFER_")}
    environment.update(
        CASE_TRANSFER_ENV="production",
        CASE_TRANSFER_DATABASE_URL=store.url,
        CASE_TRANSFER_PRINCIPALS_FILE=str(credentials.principals_file),
        CASE_TRANSFER_SETTLE_MARGIN_SECONDS="0",
        PYTHONUNBUFFERED="1",
    )
    environment.update(keys)
    return environment
