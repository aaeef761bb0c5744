"""The ledger is append-only in the database (migration 0005), as the access log is: the
service's role, with the README's grants, can add links but never rewrite or remove one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import exc, text

from service.adapters.sql import open_engine
from service.bootstrap import open_service
from service.settings import Settings
from tests.stores import postgres_base_url

from .ledger_support import LedgerStore, ledger_store
from .service_role import production_role

REFUSAL = "the ledger is append-only"


@pytest.fixture(params=["sqlite", "postgres"])
def chained(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LedgerStore]:
    with ledger_store(request.param, tmp_path) as opened:
        opened.record(cases=1)
        opened.ledger.catch_up()
        yield opened


class TestTheLedgerTable:
    def test_refuses_to_change_or_remove_a_link(self, chained: LedgerStore) -> None:
        before = chained.ledger_rows()

        for statement in (
            "UPDATE ledger SET topic = 'edited' WHERE position = 1",
            "DELETE FROM ledger WHERE position = 1",
            "DELETE FROM ledger",
        ):
            with pytest.raises(exc.DBAPIError, match=REFUSAL), chained.engine.begin() as c:
                c.execute(text(statement))

        assert chained.ledger_rows() == before

    def test_postgresql_refuses_truncate(self, tmp_path: Path) -> None:
        with ledger_store("postgres", tmp_path) as target:
            target.record(cases=1)
            target.ledger.catch_up()

            with pytest.raises(exc.DBAPIError, match=REFUSAL), target.engine.begin() as c:
                c.execute(text("TRUNCATE ledger"))

            assert len(target.ledger_rows()) == len(target.notifications())

    def test_new_links_are_still_appended(self, chained: LedgerStore) -> None:
        chained.record(cases=1, first=5)

        chained.ledger.catch_up()

        assert chained.ledger_rows() == chained.expected_rows()


class TestTheServicesRole:
    def test_feeds_the_ledger_but_cannot_rewrite_it(self, tmp_path: Path) -> None:
        with ledger_store("postgres", tmp_path) as target:
            target.record(cases=1)
            schema = parse_qs(urlsplit(target.settings.database_url).query)["schema"][0]
            with production_role(postgres_base_url(), schema) as url:
                settings = Settings(database_url=url, create_tables=False)
                service = open_service(settings)
                try:
                    service.ledger.catch_up()  # the role chains what was recorded
                finally:
                    service.close()
                assert target.ledger_rows() == target.expected_rows()

                engine = open_engine(settings)
                try:
                    for statement in (
                        "UPDATE ledger SET topic = 'x'",
                        "DELETE FROM ledger",
                        "TRUNCATE ledger",
                    ):
                        refused = pytest.raises(exc.DBAPIError, match="permission denied")
                        with refused, engine.begin() as c:
                            c.execute(text(statement))
                finally:
                    engine.dispose()
            assert target.ledger_rows() == target.expected_rows()
