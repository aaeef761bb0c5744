"""The access log (``service.audit.access_log``): who outside a case's authorities read it,
kept append-only by the database, listed newest first by case or by principal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import create_engine, exc, func, select, text

from service.adapters.tables import access_log
from service.audit.access_log import Access, AccessLog, AccessNotRecordedError
from service.domain.actors import Actor
from service.domain.errors import Forbidden, InvalidInput, NotFound

from .audit_stores import (
    AUDITOR,
    BRISTOL,
    LEEDS,
    MASH,
    SOMERSET,
    START,
    AuditStore,
    audit_store,
)

ROUTE = "GET /v1/cases/{case_id}"
LEEDS_MASH = Actor("Leeds MASH", "mash", "383")


@pytest.fixture(params=["sqlite", "postgres"])
def audited(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AuditStore]:
    with audit_store(request.param, tmp_path) as opened:
        yield opened


@pytest.fixture
def log(audited: AuditStore) -> AccessLog:
    return AccessLog(audited.engine, audited.clock.now)


def listed(
    log: AccessLog, audited: AuditStore, actor: Actor = AUDITOR, **query: Any
) -> list[Access]:
    return log.entries(actor, audited.application, **query).items


class TestRecording:
    def test_records_who_when_which_case_and_route_for_mash_and_auditors(
        self, audited: AuditStore, log: AccessLog
    ) -> None:
        case_id = audited.open_case()
        log.record(MASH, ROUTE, [case_id])
        when = audited.clock.advance(minutes=5)
        log.record(AUDITOR, "GET /v1/cases/{case_id}/history", [case_id])

        newest, oldest = listed(log, audited, case_id=case_id)

        assert (newest.principal, newest.role, newest.authority) == ("Auditor", "auditor", None)
        assert newest.recorded_at == when and newest.route == "GET /v1/cases/{case_id}/history"
        assert (oldest.principal, oldest.role, oldest.authority) == ("Somerset MASH", "mash", "933")
        assert oldest.case_id == case_id and oldest.route == ROUTE

    def test_does_not_record_the_case_authorities_own_reads(
        self, audited: AuditStore, log: AccessLog
    ) -> None:
        case_id = audited.open_case()

        log.record(SOMERSET, ROUTE, [case_id])
        log.record(BRISTOL, ROUTE, [case_id])

        assert listed(log, audited) == []

    def test_records_each_case_of_a_lookup_once(self, audited: AuditStore, log: AccessLog) -> None:
        first, second = audited.open_case(), audited.open_case()

        log.record(MASH, "GET /v1/cases", [first, second, first])

        assert sorted(str(a.case_id) for a in listed(log, audited)) == sorted(
            [str(first), str(second)]
        )

    def test_a_read_that_cannot_be_recorded_is_refused_as_unavailable(self, tmp_path: Path) -> None:
        unreachable = create_engine(f"sqlite:///{tmp_path}/no/such/folder/db.sqlite3")
        try:
            with pytest.raises(AccessNotRecordedError):
                AccessLog(unreachable, lambda: START).record(MASH, ROUTE, [UUID(int=1)])
        finally:
            unreachable.dispose()


class TestListing:
    def test_pages_newest_first_without_gaps_or_repeats(
        self, audited: AuditStore, log: AccessLog
    ) -> None:
        case_id = audited.open_case()
        for minute in range(7):
            audited.clock.advance(minutes=1)
            log.record(MASH if minute % 2 else AUDITOR, ROUTE, [case_id])
        every = listed(log, audited, limit=50)

        pages, cursor = [], None
        while True:
            page = log.entries(AUDITOR, audited.application, cursor=cursor, limit=3)
            pages.extend(page.items)
            cursor = page.next_cursor
            if cursor is None:
                break

        assert pages == every and len(every) == 7
        assert [a.entry_id for a in every] == sorted((a.entry_id for a in every), reverse=True)

    def test_lists_by_case_or_by_principal(self, audited: AuditStore, log: AccessLog) -> None:
        mine, other = audited.open_case(), audited.open_case()
        log.record(MASH, ROUTE, [mine])
        log.record(LEEDS_MASH, ROUTE, [mine, other])

        assert {a.principal for a in listed(log, audited, case_id=mine)} == {
            "Somerset MASH",
            "Leeds MASH",
        }
        assert {a.case_id for a in listed(log, audited, principal="Leeds MASH")} == {mine, other}
        assert [
            a.principal for a in listed(log, audited, case_id=other, principal="Leeds MASH")
        ] == ["Leeds MASH"]

    def test_a_party_lists_who_read_its_case(self, audited: AuditStore, log: AccessLog) -> None:
        case_id = audited.open_case()
        audited.propose(case_id)  # Bristol becomes a party
        log.record(MASH, ROUTE, [case_id])

        for party in (SOMERSET, BRISTOL):
            assert [a.principal for a in listed(log, audited, party, case_id=case_id)] == [
                "Somerset MASH"
            ]

    def test_to_an_authority_not_party_to_the_case_the_case_does_not_exist(
        self, audited: AuditStore, log: AccessLog
    ) -> None:
        case_id = audited.open_case()

        with pytest.raises(NotFound):
            listed(log, audited, LEEDS, case_id=case_id)

    @pytest.mark.parametrize(
        ("actor", "query"),
        [
            (SOMERSET, {}),
            (SOMERSET, {"principal": "Somerset MASH"}),
            (SOMERSET, {"case": True, "principal": "Somerset MASH"}),
            (MASH, {"case": True}),
            (MASH, {}),
        ],
        ids=["authority-all", "authority-by-principal", "authority-both", "mash-case", "mash"],
    )
    def test_anything_else_is_for_auditors(
        self, audited: AuditStore, log: AccessLog, actor: Actor, query: dict[str, object]
    ) -> None:
        case_id = audited.open_case()
        if query.pop("case", False):
            query["case_id"] = case_id

        with pytest.raises(Forbidden) as refused:
            listed(log, audited, actor, **query)

        assert refused.value.code == "access-log-for-auditors"

    def test_refuses_a_cursor_made_for_other_filters(
        self, audited: AuditStore, log: AccessLog
    ) -> None:
        case_id = audited.open_case()
        for _ in range(3):
            log.record(MASH, ROUTE, [case_id])
        cursor = log.entries(AUDITOR, audited.application, limit=1).next_cursor

        with pytest.raises(InvalidInput) as refused:
            listed(log, audited, case_id=case_id, cursor=cursor)

        assert refused.value.code == "invalid-cursor"

    @pytest.mark.parametrize("limit", [0, 201])
    def test_refuses_a_limit_outside_1_to_200(
        self, audited: AuditStore, log: AccessLog, limit: int
    ) -> None:
        with pytest.raises(InvalidInput) as refused:
            listed(log, audited, limit=limit)

        assert refused.value.code == "invalid-limit"


class TestAppendOnly:
    @pytest.mark.parametrize(
        "statement",
        ["UPDATE access_log SET principal = 'nobody'", "DELETE FROM access_log"],
        ids=["update", "delete"],
    )
    def test_the_database_refuses_to_change_or_remove_an_entry(
        self, audited: AuditStore, log: AccessLog, statement: str
    ) -> None:
        log.record(MASH, ROUTE, [audited.open_case()])

        with pytest.raises(exc.DBAPIError, match="append-only"), audited.engine.begin() as c:
            c.execute(text(statement))

        assert _count(audited) == 1

    def test_postgresql_refuses_truncate(self, audited: AuditStore, log: AccessLog) -> None:
        if audited.engine.dialect.name != "postgresql":
            pytest.skip("SQLite has no TRUNCATE")
        log.record(MASH, ROUTE, [audited.open_case()])

        with pytest.raises(exc.DBAPIError, match="append-only"), audited.engine.begin() as c:
            c.execute(text("TRUNCATE access_log"))

        assert _count(audited) == 1

    def test_new_entries_are_still_recorded(self, audited: AuditStore, log: AccessLog) -> None:
        case_id = audited.open_case()

        log.record(MASH, ROUTE, [case_id])
        log.record(MASH, ROUTE, [case_id])

        assert _count(audited) == 2


def _count(audited: AuditStore) -> int:
    with audited.engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(access_log)) or 0)
