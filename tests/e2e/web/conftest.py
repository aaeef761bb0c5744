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

from service.asgi import create_app
from service.settings import Settings
from tests.e2e.api.conftest import clock, prepared_stores, principals, settings
from tests.e2e.api.support import Api, Clock
from tests.stores import PreparedStores

from .support import Staff

__all__ = ["clock", "prepared_stores", "principals", "settings"]  # shared with the API tests


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, prepared_stores: PreparedStores
) -> Iterator[str]:
    with prepared_stores.store(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def app(settings: Settings, clock: Clock) -> FastAPI:
    """The service's app, the MASH pages mounted by ``create_app``."""
    return create_app(settings, clock=clock.now)


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
