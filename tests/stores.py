"""Fresh stores for tests: a new SQLite file, or a new schema in the test PostgreSQL.

PostgreSQL tests run only when CASE_TRANSFER_TEST_POSTGRES_URL is set; otherwise they
skip with a message saying how to run them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import uuid4

import pytest

POSTGRES_URL_VARIABLE = "CASE_TRANSFER_TEST_POSTGRES_URL"


def postgres_base_url() -> str:
    """The test PostgreSQL URL, or skip the test saying how to run it."""
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        pytest.skip(
            f"PostgreSQL not tested: set {POSTGRES_URL_VARIABLE} "
            "(e.g. postgresql://postgres@127.0.0.1:5432/test) to run these tests on it"
        )
    return url


@contextmanager
def postgres_schema(prefix: str = "test") -> Iterator[tuple[str, str]]:
    """A fresh schema: its database URL and its name; dropped afterwards."""
    import psycopg

    base = postgres_base_url()
    schema = f"{prefix}_{uuid4().hex[:16]}"
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{base}?schema={schema}", schema
    finally:
        with psycopg.connect(base, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@contextmanager
def store(kind: str, tmp_path: Path, prefix: str = "test") -> Iterator[str]:
    """The database URL of a fresh store of ``kind`` ("sqlite" or "postgres")."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path}/events.sqlite3"
        return
    with postgres_schema(prefix) as (url, _):
        yield url
