"""``case-transfer verify [--checkpoint FILE]`` and ``signing-keygen`` as an operator runs
them: a separate process, one line on stdout, a progress bar on stderr, and the exit
status a script can test (0 clean, 1 altered or refused, 2 an operator's mistake)."""

from __future__ import annotations

import json
from base64 import b64decode
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from service.audit.signing import SigningKeys, decode_signing_key, new_signing_key
from service.bootstrap import check_settings
from service.settings import Settings
from tests.integration.audit.ledger_support import Attacker, LedgerStore, open_ledger_store

from .test_cli import assert_operator_error, case_transfer

SIGNING_KEY = new_signing_key()


@pytest.fixture
def recorded(tmp_path: Path) -> Iterator[LedgerStore]:
    """An SQLite store of two hand-overs chained by the ledger, left open as a service would."""
    url = f"sqlite:///{tmp_path}/events.sqlite3"
    target = open_ledger_store("sqlite", Settings(database_url=url, settle_margin_seconds=0))
    target.record(cases=2)
    target.ledger.catch_up()
    yield target
    target.close()


def run_verify(target: LedgerStore, *args: str) -> tuple[int, str, str]:
    result = case_transfer(
        "verify",
        *args,
        cwd=Path(target.settings.database_url.removeprefix("sqlite:///")).parent,
        CASE_TRANSFER_DATABASE_URL=target.settings.database_url,
        CASE_TRANSFER_SIGNING_KEY=SIGNING_KEY,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout, result.stderr


def save_checkpoint(target: LedgerStore, path: Path, secret: str = SIGNING_KEY) -> Path:
    keys = SigningKeys(decode_signing_key(SecretStr(secret)))
    tip = target.ledger.tip()
    checkpoint = keys.sign(tip.position, tip.chain_sha256, target.application.clock())
    path.write_text(json.dumps(checkpoint.to_json()), encoding="utf-8")
    return path


class TestVerify:
    def test_a_clean_store_is_one_line_and_status_0(self, recorded: LedgerStore) -> None:
        events, head = len(recorded.notifications()), recorded.ledger.head()

        status, stdout, stderr = run_verify(recorded)

        assert status == 0, stderr
        assert stdout == f"verified {events} events up to position {head}\n"
        assert "Verifying" in stderr and "events/s" in stderr

    def test_an_altered_event_is_its_position_and_status_1(self, recorded: LedgerStore) -> None:
        attacker = Attacker(recorded)
        state = attacker.row(4)[3]
        attacker.set_state(4, state + b" ")

        status, stdout, _ = run_verify(recorded)

        assert status == 1
        assert stdout.startswith("position 4: altered: ")
        assert len(stdout.splitlines()) == 1

    def test_a_matching_checkpoint_is_named_in_the_line(
        self, recorded: LedgerStore, tmp_path: Path
    ) -> None:
        path = save_checkpoint(recorded, tmp_path / "checkpoint.json")

        status, stdout, stderr = run_verify(recorded, "--checkpoint", str(path))

        assert status == 0, stderr
        assert f"checkpoint at position {recorded.ledger.position()} " in stdout

    def test_a_checkpoint_from_another_key_is_refused_with_status_1(
        self, recorded: LedgerStore, tmp_path: Path
    ) -> None:
        path = save_checkpoint(recorded, tmp_path / "theirs.json", secret=new_signing_key())

        status, stdout, _ = run_verify(recorded, "--checkpoint", str(path))

        assert status == 1
        assert stdout.startswith("checkpoint refused: it is signed by key ")

    def test_a_missing_checkpoint_file_is_an_operators_error(
        self, recorded: LedgerStore, tmp_path: Path
    ) -> None:
        result = case_transfer(
            "verify",
            "--checkpoint",
            str(tmp_path / "nowhere.json"),
            cwd=tmp_path,
            CASE_TRANSFER_DATABASE_URL=recorded.settings.database_url,
        )

        assert_operator_error(result, "nowhere.json")

    def test_a_file_that_is_not_a_checkpoint_is_an_operators_error(
        self, recorded: LedgerStore, tmp_path: Path
    ) -> None:
        path = tmp_path / "notes.json"
        path.write_text('{"position": 3}', encoding="utf-8")

        result = case_transfer(
            "verify",
            "--checkpoint",
            str(path),
            cwd=tmp_path,
            CASE_TRANSFER_DATABASE_URL=recorded.settings.database_url,
        )

        assert_operator_error(result, "is not a checkpoint", "chain_hash")

    def test_a_malformed_signing_key_is_an_operators_error(self, tmp_path: Path) -> None:
        result = case_transfer("verify", cwd=tmp_path, CASE_TRANSFER_SIGNING_KEY="not a key")

        line = assert_operator_error(result, "CASE_TRANSFER_SIGNING_KEY", "signing-keygen")
        assert "not a key" not in line


class TestSigningKeygen:
    def test_prints_a_new_key_the_service_accepts(self, tmp_path: Path) -> None:
        first, second = (case_transfer("signing-keygen", cwd=tmp_path) for _ in range(2))

        assert (first.returncode, second.returncode) == (0, 0), first.stderr + second.stderr
        keys = [first.stdout.strip(), second.stdout.strip()]
        assert keys[0] != keys[1]
        for key in keys:
            assert len(b64decode(key, validate=True)) == 32
            check_settings(Settings(signing_key=SecretStr(key)))
