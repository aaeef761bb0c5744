"""Verification (``service.audit.verify``): every way an owner of the tables can alter
the event store is caught, at the first position it touches, and named.

The attacker (``ledger_support.Attacker``) drops the append-only triggers and edits
rows directly, after the ledger has chained them. Every test runs on a fresh SQLite
file and a fresh PostgreSQL schema; gaps in the log happen on PostgreSQL only.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import text

from service.adapters.keys import new_encryption_key
from service.audit.signing import (
    Checkpoint,
    SigningKeys,
    decode_public_keys,
    decode_signing_key,
    new_signing_key,
    public_key_text,
)
from service.audit.verify import Report, verify

from .ledger_support import Attacker, LedgerStore, ledger_store

PROPOSED = "service.domain.case:Case.TransferProposed"
OPENED = "service.domain.case:Case.CaseOpened"


@pytest.fixture(params=["sqlite", "postgres"])
def chained(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LedgerStore]:
    """A store holding three hand-overs, every event chained by the ledger."""
    with ledger_store(request.param, tmp_path) as opened:
        opened.record(cases=3)
        opened.ledger.catch_up()
        yield opened


def checked(target: LedgerStore, **options: object) -> Report:
    return verify(target.application, target.engine, **options)  # type: ignore[arg-type]


def position_of(target: LedgerStore, topic: str, nth: int = 0) -> int:
    return [n.id for n in target.notifications() if n.topic == topic][nth]


def keys() -> SigningKeys:
    return SigningKeys(decode_signing_key(SecretStr(new_signing_key())))


def checkpoint_of(target: LedgerStore, signer: SigningKeys) -> Checkpoint:
    tip = target.ledger.tip()
    return signer.sign(tip.position, tip.chain_sha256, target.application.clock())


class TestAnUnalteredStore:
    def test_verifies_clean_counting_every_event(self, chained: LedgerStore) -> None:
        report = checked(chained)

        head = chained.ledger.head()
        assert report.finding is None
        assert (
            report.summary()
            == f"verified {len(chained.notifications())} events up to position {head}"
        )

    def test_reports_events_the_ledger_has_not_reached_yet(self, chained: LedgerStore) -> None:
        ledgered = chained.ledger.position()
        chained.record(cases=1, first=10)

        report = checked(chained)

        assert report.finding is None
        assert report.unledgered == chained.ledger.head() - ledgered > 0
        assert f"after position {ledgered} are not yet in the ledger" in report.summary()


class TestAlteredEvents:
    def test_changed_stored_bytes_are_named_at_their_position(self, chained: LedgerStore) -> None:
        attacker = Attacker(chained)
        target = position_of(chained, PROPOSED, 1)
        state = attacker.row(target)[3]
        attacker.set_state(target, state.replace(b"The family moved", b"The family stayed"))

        finding = checked(chained).finding

        assert finding is not None
        assert (finding.position, finding.kind) == (target, "altered")
        assert "its stored bytes changed" in finding.detail

    def test_encrypted_bytes_changed_by_one_bit_no_longer_decode(self, tmp_path: Path) -> None:
        with ledger_store("sqlite", tmp_path, encryption_key=new_encryption_key()) as target:
            target.record(cases=1)
            target.ledger.catch_up()
            attacker = Attacker(target)
            state = bytearray(attacker.row(3)[3])
            state[-1] ^= 1
            attacker.set_state(3, bytes(state))

            finding = checked(target).finding

        assert finding is not None
        assert (finding.position, finding.kind) == (3, "altered")
        assert "no longer decode" in finding.detail

    def test_two_events_that_exchanged_topic_and_bytes_are_named_swapped(
        self, chained: LedgerStore
    ) -> None:
        first, second = position_of(chained, PROPOSED, 0), position_of(chained, OPENED, 2)
        Attacker(chained).swap(first, second)

        finding = checked(chained).finding

        assert finding is not None
        assert (finding.position, finding.kind) == (min(first, second), "swapped")
        assert f"the ledger chained at position {max(first, second)}" in finding.detail


class TestDeletedEvents:
    def test_a_deleted_event_is_named_at_its_position(self, chained: LedgerStore) -> None:
        target = position_of(chained, PROPOSED, 1)
        Attacker(chained).delete(target)

        finding = checked(chained).finding

        assert finding is not None
        assert (finding.position, finding.kind) == (target, "deleted")
        assert "TransferProposed" in finding.detail

    def test_the_last_event_deleted_is_caught_too(self, chained: LedgerStore) -> None:
        last = chained.ledger.head()
        Attacker(chained).delete(last)

        finding = checked(chained).finding

        assert finding is not None
        assert (finding.position, finding.kind) == (last, "deleted")

    def test_a_deletion_hidden_by_renumbering_the_rest_is_caught(
        self, chained: LedgerStore
    ) -> None:
        attacker = Attacker(chained)
        target = position_of(chained, PROPOSED, 1)
        attacker.delete(target)
        attacker.execute(  # close the hole: every later event one place back
            f"UPDATE {attacker.qualified} SET {attacker.position_column} = "
            f"-{attacker.position_column} + 1 WHERE {attacker.position_column} > ?",
            (target,),
        )
        attacker.execute(
            f"UPDATE {attacker.qualified} SET {attacker.position_column} = "
            f"-{attacker.position_column} WHERE {attacker.position_column} < 0"
        )

        finding = checked(chained).finding

        assert finding is not None
        assert (finding.position, finding.kind) == (target, "deleted")
        assert f"the ledger chained at position {target + 1}" in finding.detail


class TestInsertedEvents:
    def test_an_event_inserted_by_renumbering_the_rest_is_named(self, chained: LedgerStore) -> None:
        attacker = Attacker(chained)
        target = position_of(chained, PROPOSED, 1)
        attacker.renumber_from(target)
        forged = attacker.insert(target, like=position_of(chained, OPENED, 0))

        finding = checked(chained).finding

        assert finding is not None
        assert (finding.position, finding.kind) == (target, "inserted")
        assert str(forged) in finding.detail

    def test_an_event_inserted_in_a_gap_is_named(self, tmp_path: Path) -> None:
        with ledger_store("postgres", tmp_path) as target:
            target.record(cases=1)
            attacker = Attacker(target)
            attacker.skip_a_position()
            gap = target.ledger.head() + 1
            target.record(cases=1, first=1)
            target.ledger.catch_up()
            forged = attacker.insert(gap, like=position_of(target, OPENED, 0))

            finding = checked(target).finding

        assert finding is not None
        assert (finding.position, finding.kind) == (gap, "inserted")
        assert str(forged) in finding.detail

    def test_cannot_tell_an_event_appended_before_the_ledger_saw_it(
        self, chained: LedgerStore
    ) -> None:
        """The documented window: after the ledger's position nothing is vouched for yet."""
        attacker = Attacker(chained)
        appended = chained.ledger.head() + 1
        attacker.insert(appended, like=position_of(chained, OPENED, 0))

        report = checked(chained)

        assert report.finding is None
        assert report.unledgered == 1


class TestAlteredLedger:
    def test_an_edited_ledger_row_breaks_the_ledgers_own_chain(self, chained: LedgerStore) -> None:
        with chained.editing_ledger() as connection:
            connection.execute(
                text("UPDATE ledger SET chain_sha256 = event_sha256 WHERE position = 5")
            )

        finding = checked(chained).finding

        assert finding is not None
        assert (finding.position, finding.kind) == (5, "ledger-altered")

    def test_a_deleted_ledger_row_is_not_mistaken_for_an_inserted_event(
        self, chained: LedgerStore
    ) -> None:
        with chained.editing_ledger() as connection:
            connection.execute(text("DELETE FROM ledger WHERE position = 5"))

        finding = checked(chained).finding

        assert finding is not None
        assert (finding.position, finding.kind) == (5, "ledger-altered")


class TestCheckpoints:
    def test_a_checkpoint_of_this_history_verifies(self, chained: LedgerStore) -> None:
        signer = keys()
        checkpoint = checkpoint_of(chained, signer)
        chained.record(cases=1, first=10)
        chained.ledger.catch_up()

        report = checked(chained, checkpoint=checkpoint, keys=signer)

        assert report.finding is None
        assert f"checkpoint at position {checkpoint.position}" in report.summary()

    def test_a_forged_signature_is_refused(self, chained: LedgerStore) -> None:
        signer = keys()
        honest = checkpoint_of(chained, signer)
        forged = Checkpoint(
            honest.position - 1,
            honest.chain_hash,
            honest.issued_at,
            honest.key_id,
            honest.signature,
        )

        finding = checked(chained, checkpoint=forged, keys=signer).finding

        assert finding is not None
        assert finding.kind == "checkpoint refused"
        assert "does not verify" in finding.detail

    def test_one_signed_with_another_key_is_refused(self, chained: LedgerStore) -> None:
        theirs = checkpoint_of(chained, keys())

        finding = checked(chained, checkpoint=theirs, keys=keys()).finding

        assert finding is not None
        assert finding.kind == "checkpoint refused"

    def test_one_signed_before_a_key_change_verifies_with_the_retired_key(
        self, chained: LedgerStore
    ) -> None:
        old = keys()
        checkpoint = checkpoint_of(chained, old)
        assert old.current is not None
        after_the_change = SigningKeys(
            keys().private, decode_public_keys(public_key_text(old.current))
        )

        assert checked(chained, checkpoint=checkpoint, keys=after_the_change).finding is None

    def test_a_history_rewritten_with_its_ledger_is_caught_only_by_the_checkpoint(
        self, chained: LedgerStore
    ) -> None:
        signer = keys()
        checkpoint = checkpoint_of(chained, signer)
        attacker = Attacker(chained)
        target = position_of(chained, PROPOSED, 0)
        state = attacker.row(target)[3]
        attacker.set_state(target, state.replace(b"The family moved", b"The family stayed"))
        chained.forget_ledger()  # ... and chain the altered store afresh
        chained.ledger.catch_up()

        assert checked(chained).finding is None
        finding = checked(chained, checkpoint=checkpoint, keys=signer).finding

        assert finding is not None
        assert (finding.position, finding.kind) == (checkpoint.position, "rewritten")
        assert "the store and the ledger agree" in finding.detail

    def test_a_checkpoint_of_another_history_is_refused(
        self, chained: LedgerStore, tmp_path: Path
    ) -> None:
        signer = keys()
        with ledger_store("sqlite", tmp_path / "other") as other:
            other.record(cases=1)
            other.ledger.catch_up()
            elsewhere = checkpoint_of(other, signer)

        finding = checked(chained, checkpoint=elsewhere, keys=signer).finding

        assert finding is not None
        assert (finding.position, finding.kind) == (elsewhere.position, "rewritten")

    def test_a_checkpoint_beyond_the_end_of_a_truncated_store_is_caught(
        self, chained: LedgerStore
    ) -> None:
        signer = keys()
        checkpoint = checkpoint_of(chained, signer)
        attacker = Attacker(chained)
        attacker.delete(checkpoint.position)
        with chained.editing_ledger() as connection:  # the ledger's last row goes too
            connection.execute(
                text("DELETE FROM ledger WHERE position = :p"), {"p": checkpoint.position}
            )
            connection.execute(
                text("UPDATE rm_positions SET position = :p WHERE name = 'ledger'"),
                {"p": checkpoint.position - 1},
            )

        assert checked(chained).finding is None  # store and ledger agree with each other
        finding = checked(chained, checkpoint=checkpoint, keys=signer).finding

        assert finding is not None
        assert (finding.position, finding.kind) == (checkpoint.position, "deleted")
