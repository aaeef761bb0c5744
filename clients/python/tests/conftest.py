"""The service, running for real, and clients of it for each development principal.

One server per test process, on a fresh SQLite file: each test makes its own cases
(random NHS numbers and references), so tests do not see each other's. The client
does not depend on the store, so SQLite is enough here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from client_support import Front, Service, serving
from service.adapters.principals import add_principal, create_development_principals
from service.asgi import create_app
from service.settings import Settings

from case_transfer_client import CaseTransferClient, RetryPolicy

QUICK = RetryPolicy(attempts=3, backoff=0.05, max_delay=2.0)
"""Retries quick enough for tests; ``Retry-After`` (1 s from the front) is still honoured."""

PRINCIPALS = {
    "somerset": "Somerset case system",
    "bristol": "Bristol case system",
    "leeds": "Leeds case system",
    "mash": "Somerset MASH",
    "auditor": "Auditor",
}
PARTNERS = {  # short name -> partner agency (its principal's name is the agency's)
    "police": {
        "agency": "police-avon-somerset",
        "agency_name": "Avon and Somerset Police",
        "agency_kind": "police",
    },
    "hospital": {
        "agency": "hospital-musgrove",
        "agency_name": "Musgrove Park Hospital",
        "agency_kind": "hospital",
    },
}


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    folder = tmp_path_factory.mktemp("service")
    path = folder / "principals.toml"
    created = create_development_principals(path)
    tokens = {short: created[name] for short, name in PRINCIPALS.items()}
    for short, agency in PARTNERS.items():
        name = agency["agency_name"]
        tokens[short] = add_principal(
            path, name=name, role="partner", authority=None, agency=agency
        )
    settings = Settings(
        database_url=f"sqlite:///{folder}/events.sqlite3",
        principals_file=path,
        # Responsibility passes at an acceptance, not 5 s after it: these tests are of the
        # client; the service's own tests prove the settle margin.
        settle_margin_seconds=0,
        # Notifications are scheduled and delivered (by serve's worker, as in development)
        # within a fraction of a second.
        projection_interval_seconds=0.1,
        notify_poll_seconds=0.1,
    )
    front = Front(create_app(settings))
    with serving(front) as url:
        yield Service(url, tokens, front)


@pytest.fixture
def front(service: Service) -> Iterator[Front]:
    """The front of the server, behaving normally at the start and the end of a test."""
    service.front.lose, service.front.retry_after = 0, "1"
    service.front.seen.clear()
    yield service.front
    service.front.lose, service.front.retry_after = 0, "1"


@pytest.fixture
def connect(service: Service) -> Iterator[Callable[..., CaseTransferClient]]:
    """Make a client for a principal (``connect("bristol")``); each closed after the test."""
    made: list[CaseTransferClient] = []

    def make(who: str = "somerset", **options: object) -> CaseTransferClient:
        options.setdefault("retry", QUICK)
        client = CaseTransferClient(service.url, service.tokens.get(who), **options)  # type: ignore[arg-type]
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def somerset(connect: Callable[..., CaseTransferClient]) -> CaseTransferClient:
    return connect("somerset")


@pytest.fixture
def bristol(connect: Callable[..., CaseTransferClient]) -> CaseTransferClient:
    return connect("bristol")
