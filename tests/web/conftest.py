"""Fixtures for the MASH pages' tests: the real app with the pages mounted, a real HTTP
client, and a fresh store per test on SQLite and (when CASE_TRANSFER_TEST_POSTGRES_URL
is set) PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.principals import add_principal, create_development_principals
from service.settings import Settings
from service.web import mount_mash

from ..api.support import NAMES, Api, Clock
from ..stores import store
from .support import Staff


@pytest.fixture(scope="session")
def principals(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The development principals (an authority's case systems, a MASH, an auditor)."""
    path = tmp_path_factory.mktemp("principals") / "principals.toml"
    tokens = create_development_principals(path)
    by_short = {short: tokens[name] for short, name in NAMES.items()}
    by_short["leeds-mash"] = add_principal(path, name="Leeds MASH", role="mash", authority="383")
    return path, by_short


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with store(request.param, tmp_path, prefix="web") as url:
        yield url


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(database_url: str, principals: tuple[Path, dict[str, str]]) -> Settings:
    return Settings(database_url=database_url, principals_file=principals[0])


@pytest.fixture
def app(settings: Settings, clock: Clock) -> FastAPI:
    """The service's app with the MASH pages mounted, as ``create_app`` will do."""
    app = create_app(settings, clock=clock.now)
    mount_mash(app, settings)
    return app


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=True) as c:
        yield c


@pytest.fixture
def api(client: TestClient, principals: tuple[Path, dict[str, str]], clock: Clock) -> Api:
    """Case systems and other callers of the bearer-token API, to record cases."""
    return Api(client, principals[1], clock)


@pytest.fixture
def staff(client: TestClient, principals: tuple[Path, dict[str, str]]) -> Staff:
    """A member of staff in a browser (this client's cookie jar)."""
    return Staff(client, principals[1])
