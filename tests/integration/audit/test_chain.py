"""The ledger's hashes (``service.audit.chain``): the documented spec, byte for byte.

Partners recompute these without our code, so the tests pin the exact bytes hashed
and a known answer, and show that every fact of an event, and the order of events,
changes the chain.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import pytest

from service.audit.chain import (
    GENESIS,
    EventFacts,
    canonical_json,
    chain_sha256,
    event_sha256,
    link,
    utc_text,
)

FACTS = EventFacts(
    position=10,
    originator_id=UUID("3e3786a5-a78b-4078-9c75-e115c0aad24b"),
    originator_version=2,
    topic="service.domain.case:Case.TransferProposed",
    recorded_at=datetime(2026, 11, 26, 9, 0, 0, 250000, tzinfo=UTC),
)
STATE = b'{"reason":"The family moved"}'
CANONICAL = (
    b'{"originator_id":"3e3786a5-a78b-4078-9c75-e115c0aad24b","originator_version":2,'
    b'"position":10,"recorded_at":"2026-11-26T09:00:00.250000Z",'
    b'"topic":"service.domain.case:Case.TransferProposed"}'
)
KNOWN_EVENT = "92c85de810c62cc4ed8c2f89e8b1a5c41e0a8ed332d1b5356645db4f77872aa5"
KNOWN_CHAIN = "7460e1d41c40cde8bffd938b0a4fdc8b4605bd843091f29e5869c53bc6c12d2c"


class TestTheSpec:
    def test_the_canonical_json_has_sorted_keys_and_no_spaces(self) -> None:
        assert FACTS.canonical() == CANONICAL

    def test_an_event_hash_is_sha256_of_the_prefix_facts_and_stored_bytes(self) -> None:
        expected = hashlib.sha256(b"case-transfer ledger v1\n" + CANONICAL + b"\n" + STATE)

        assert event_sha256(FACTS, STATE) == expected.digest()
        assert event_sha256(FACTS, STATE).hex() == KNOWN_EVENT

    def test_the_chain_starts_from_32_zero_bytes(self) -> None:
        first = link(GENESIS, FACTS, STATE)

        assert bytes(32) == GENESIS
        assert first.chain_sha256 == hashlib.sha256(bytes(32) + first.event_sha256).digest()
        assert first.chain_sha256.hex() == KNOWN_CHAIN

    def test_canonical_json_escapes_anything_beyond_ascii(self) -> None:
        assert canonical_json({"b": "é", "a": 1}) == b'{"a":1,"b":"\\u00e9"}'


class TestRecordedTimes:
    def test_are_written_in_utc_with_microseconds_whatever_their_offset(self) -> None:
        london_summer = timezone(timedelta(hours=1))
        instant = datetime(2026, 7, 1, 10, 30, tzinfo=london_summer)

        assert utc_text(instant) == "2026-07-01T09:30:00.000000Z"

    def test_a_naive_instant_is_refused_rather_than_guessed(self) -> None:
        with pytest.raises(ValueError, match="aware"):
            utc_text(datetime(2026, 7, 1, 10, 30))


class TestWhatTheChainCommitsTo:
    @pytest.mark.parametrize(
        "change",
        [
            {"position": 11},
            {"originator_id": UUID(int=1)},
            {"originator_version": 3},
            {"topic": "service.domain.case:Case.TransferDeclined"},
            {"recorded_at": FACTS.recorded_at + timedelta(microseconds=1)},
        ],
        ids=["position", "originator_id", "originator_version", "topic", "recorded_at"],
    )
    def test_every_fact_of_an_event_changes_its_hash(self, change: dict[str, object]) -> None:
        assert event_sha256(replace(FACTS, **change), STATE) != event_sha256(FACTS, STATE)  # type: ignore[arg-type]

    def test_one_changed_byte_of_the_stored_state_changes_its_hash(self) -> None:
        assert event_sha256(FACTS, STATE.replace(b"moved", b"moves")) != event_sha256(FACTS, STATE)

    def test_the_same_events_in_another_order_chain_differently(self) -> None:
        other = replace(FACTS, position=11, originator_version=3)
        ab = link(link(GENESIS, FACTS, STATE).chain_sha256, other, b"{}")
        ba = link(link(GENESIS, other, b"{}").chain_sha256, FACTS, STATE)

        assert ab.chain_sha256 != ba.chain_sha256

    def test_a_link_refuses_anything_but_32_byte_digests(self) -> None:
        with pytest.raises(ValueError, match="32-byte"):
            chain_sha256(b"short", bytes(32))
