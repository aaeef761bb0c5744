"""Fixtures for API tests: the real app, a real HTTP client, a fresh store per test.

Every API test runs twice: on a fresh SQLite file, and on a fresh PostgreSQL schema
when CASE_TRANSFER_TEST_POSTGRES_URL is set (skipped with a clear message if not).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.principals import add_principal, create_development_principals
from service.settings import Settings

from .support import NAMES, Api, Clock

POSTGRES_URL_VARIABLE = "CASE_TRANSFER_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def principals(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """One principals file for the session: the development set and a Leeds MASH."""
    path = tmp_path_factory.mktemp("principals") / "principals.toml"
    tokens = create_development_principals(path)
    by_short = {short: tokens[name] for short, name in NAMES.items()}
    by_short["leeds-mash"] = add_principal(path, name="Leeds MASH", role="mash", authority="383")
    return path, by_short


def _postgres_base_url() -> str:
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        pytest.skip(
            f"PostgreSQL not tested: set {POSTGRES_URL_VARIABLE} "
            "(e.g. postgresql://postgres@127.0.0.1:5432/test) to run these tests on it"
        )
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh store: a new SQLite file, or a new schema in the test PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/events.sqlite3"
        return
    import psycopg

    base = _postgres_base_url()
    schema = f"test_{uuid4().hex[:16]}"
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{base}?schema={schema}"
    finally:
        with psycopg.connect(base, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(database_url: str, principals: tuple[Path, dict[str, str]]) -> Settings:
    return Settings(database_url=database_url, principals_file=principals[0])


@pytest.fixture
def client(settings: Settings, clock: Clock) -> Iterator[TestClient]:
    """A real HTTP client against the real app; server errors surface as exceptions."""
    with TestClient(create_app(settings, clock=clock.now), raise_server_exceptions=True) as c:
        yield c


@pytest.fixture
def api(client: TestClient, principals: tuple[Path, dict[str, str]], clock: Clock) -> Api:
    return Api(client, principals[1], clock)
