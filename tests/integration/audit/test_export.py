"""Exports (``service.audit.export``): the feed's fields, canonical, the same bytes for the
same store, and cut at a moment of the record."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from uuid import UUID

import pytest

from service.application import ChangeRequest
from service.audit import export
from service.audit.feed import MAX_LIMIT, read_feed
from service.domain.errors import Forbidden
from tests.integration.projections.processes import hand_over

from .audit_stores import AUDITOR, BRISTOL, MASH, SOMERSET, AuditStore, audit_store


@pytest.fixture(params=["sqlite", "postgres"])
def audited(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AuditStore]:
    with audit_store(request.param, tmp_path) as opened:
        yield opened


def whole_store(audited: AuditStore, form: export.Format) -> bytes:
    return "".join(export.lines(export.store_events(audited.application), form)).encode()


def one_case(audited: AuditStore, case_id: UUID, form: export.Format) -> bytes:
    events = export.case_events(audited.application, AUDITOR, case_id)
    return "".join(export.lines(events, form)).encode()


class TestDeterminism:
    @pytest.mark.parametrize("form", list(export.Format))
    def test_the_same_store_exports_the_same_bytes_even_after_a_restart(
        self, audited: AuditStore, form: export.Format
    ) -> None:
        for n in range(4):
            hand_over(audited.application, n)
        first = whole_store(audited, form)
        restarted = audited.reopen()
        try:
            again = whole_store(restarted, form)
        finally:
            restarted.close()

        assert again == first
        assert b"\r" not in first and first.endswith(b"\n")

    def test_a_case_opened_at_a_known_moment_exports_exactly_this_line(
        self, audited: AuditStore
    ) -> None:
        audited.clock.instant = datetime(2026, 11, 26, 9, 0, 0, 120, tzinfo=UTC)
        outcome = audited.application.open_case(
            SOMERSET,
            ChangeRequest(),
            local_reference="SOM-1 «é»",
            nhs_number=None,
            date_of_birth=date(2019, 5, 4),
            expected_date_of_birth=None,
        )
        case_id = outcome.case.id

        expected = (
            '{"actor":{"authority":"933","name":"Somerset case system","role":"authority"},'
            f'"case_id":"{case_id}","data":{{"authority":"933","date_of_birth":"2019-05-04",'
            '"expected_date_of_birth":null,"local_reference":"SOM-1 «é»","nhs_number":null},'
            '"position":1,"recorded_at":"2026-11-26T09:00:00.000120Z","type":"CaseOpened",'
            '"version":1}\n'
        )
        assert whole_store(audited, export.Format.JSONL) == expected.encode()
        assert one_case(audited, case_id, export.Format.JSONL) == expected.encode()

    def test_instants_are_written_in_utc_whatever_offset_they_were_recorded_with(self) -> None:
        summer = datetime(2026, 7, 1, 10, 30, tzinfo=timezone(timedelta(hours=1)))

        assert export.canonical_json({"at": summer}) == '{"at":"2026-07-01T09:30:00.000000Z"}'

    def test_refuses_a_value_it_has_no_one_way_to_write(self) -> None:
        with pytest.raises(TypeError):
            export.canonical_json({"x": {1, 2}})


class TestCsv:
    def test_has_the_fixed_header_and_the_jsonl_fields_with_data_as_json_in_one_column(
        self, audited: AuditStore
    ) -> None:
        for n in range(2):
            hand_over(audited.application, n)

        rows = list(csv.DictReader(io.StringIO(whole_store(audited, export.Format.CSV).decode())))
        records = [
            json.loads(line) for line in whole_store(audited, export.Format.JSONL).splitlines()
        ]

        assert list(rows[0]) == list(export.CSV_HEADER)
        assert [
            {
                "position": int(r["position"]),
                "case_id": r["case_id"],
                "type": r["type"],
                "version": int(r["version"]),
                "recorded_at": r["recorded_at"],
                "actor": {
                    "name": r["actor_name"],
                    "role": r["actor_role"],
                    "authority": r["actor_authority"] or None,
                },
                "data": json.loads(r["data"]),
            }
            for r in rows
        ] == records


class TestOneCase:
    def test_holds_the_case_events_with_the_positions_the_feed_gives_them(
        self, audited: AuditStore
    ) -> None:
        cases = [hand_over(audited.application, n) for n in range(3)]
        feed = read_feed(audited.application, AUDITOR, after=None, limit=MAX_LIMIT).events

        exported = export.case_events(audited.application, AUDITOR, cases[1])

        assert exported == [e for e in feed if e.case_id == cases[1]]

    def test_is_for_the_case_parties_and_auditors_not_the_mash(self, audited: AuditStore) -> None:
        case_id = audited.open_case()

        assert export.case_events(audited.application, SOMERSET, case_id)
        with pytest.raises(Forbidden):
            export.case_events(audited.application, MASH, case_id)


class TestAsKnownAt:
    def test_keeps_only_the_events_recorded_up_to_that_moment(self, audited: AuditStore) -> None:
        case_id = audited.open_case()
        transfer_id = audited.propose(case_id)
        moment = audited.clock.advance(hours=1)
        audited.clock.advance(minutes=1)
        audited.application.decline_transfer(
            BRISTOL, case_id, transfer_id, ChangeRequest(), reason="Not here"
        )

        for events in (
            export.case_events(audited.application, AUDITOR, case_id, as_known_at=moment),
            list(export.store_events(audited.application, as_known_at=moment)),
        ):
            assert [e.type for e in events] == ["CaseOpened", "TransferProposed"]

    def test_an_export_stops_at_the_log_head_it_started_from(self, audited: AuditStore) -> None:
        audited.open_case()
        events = export.store_events(audited.application)
        first = next(events)
        audited.open_case()  # recorded while the export runs

        assert [first, *events] == [first]
