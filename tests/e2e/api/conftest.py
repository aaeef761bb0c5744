"""Fixtures for API tests: the real app, a real HTTP client, a fresh store per test.

Every API test runs twice: on a fresh SQLite file, and on a fresh PostgreSQL schema
when CASE_TRANSFER_TEST_POSTGRES_URL is set (skipped with a clear message if not).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.adapters.principals import add_principal, create_development_principals
from service.asgi import create_app
from service.settings import Settings
from tests.stores import PreparedStores

from .support import NAMES, PARTNERS, Api, Clock


@pytest.fixture(scope="session")
def principals(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """One principals file for the session: the development set, a Leeds MASH and three
    partner agencies (``PARTNERS``)."""
    path = tmp_path_factory.mktemp("principals") / "principals.toml"
    tokens = create_development_principals(path)
    by_short = {short: tokens[name] for short, name in NAMES.items()}
    by_short["leeds-mash"] = add_principal(path, name="Leeds MASH", role="mash", authority="383")
    for short, (name, agency) in PARTNERS.items():
        by_short[short] = add_principal(
            path, name=name, role="partner", authority=None, agency=agency
        )
    return path, by_short


@pytest.fixture(scope="session")
def prepared_stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PreparedStores]:
    """Stores whose tables each test process makes once (``PreparedStores``)."""
    stores = PreparedStores(tmp_path_factory.mktemp("prepared"))
    yield stores
    stores.close()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, prepared_stores: PreparedStores
) -> Iterator[str]:
    """An empty store: a copy of an SQLite file, or an emptied PostgreSQL schema."""
    with prepared_stores.store(request.param, tmp_path) as url:
        yield url


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
