"""Signed checkpoints (``service.audit.signing``): what is signed, which keys verify it,
and how the key is configured, made for development and required in production."""

from __future__ import annotations

import hashlib
import json
import stat
import threading
from base64 import b64decode, b64encode
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import SecretStr

from service.adapters.keys import new_encryption_key
from service.audit.signing import (
    Checkpoint,
    CheckpointError,
    CheckpointRefusedError,
    SigningKeyError,
    SigningKeys,
    decode_public_keys,
    decode_signing_key,
    development_signing_key,
    key_id,
    new_signing_key,
    public_key_text,
)
from service.bootstrap import check_settings
from service.settings import Settings, SettingsError

CHAIN = hashlib.sha256(b"some history").digest()
ISSUED = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)


def keys_of(secret: str, *retired: str) -> SigningKeys:
    return SigningKeys(decode_signing_key(SecretStr(secret)), decode_public_keys(",".join(retired)))


def public_of(secret: str) -> str:
    return public_key_text(decode_signing_key(SecretStr(secret)).public_key())


class TestSigning:
    def test_signs_the_canonical_json_of_everything_but_the_signature(self) -> None:
        secret = new_signing_key()
        checkpoint = keys_of(secret).sign(42, CHAIN, ISSUED)
        payload = json.dumps(
            {
                "position": 42,
                "chain_hash": CHAIN.hex(),
                "issued_at": "2026-11-26T09:30:00.000000Z",
                "key_id": checkpoint.key_id,
            },
            sort_keys=True,
            separators=(",", ":"),
        ).encode()
        public = Ed25519PublicKey.from_public_bytes(b64decode(public_of(secret)))

        public.verify(b64decode(checkpoint.signature), payload)  # raises if not
        assert (checkpoint.position, checkpoint.chain_hash) == (42, CHAIN.hex())

    def test_the_key_id_is_16_hex_digits_of_the_public_keys_sha256(self) -> None:
        secret = new_signing_key()
        raw = b64decode(public_of(secret))

        assert keys_of(secret).sign(1, CHAIN, ISSUED).key_id == hashlib.sha256(raw).hexdigest()[:16]

    def test_a_process_without_a_private_key_cannot_sign(self) -> None:
        with pytest.raises(SigningKeyError, match="cannot sign"):
            SigningKeys(None).sign(1, CHAIN, ISSUED)


class TestCheckingACheckpoint:
    def test_accepts_one_signed_with_the_current_key(self) -> None:
        keys = keys_of(new_signing_key())
        checkpoint = keys.sign(7, CHAIN, ISSUED)

        assert keys.check(checkpoint).current is True

    @pytest.mark.parametrize(
        "forgery",
        [
            {"position": 8},
            {"chain_hash": hashlib.sha256(b"another history").hexdigest()},
            {"issued_at": "2026-11-27T09:30:00.000000Z"},
            {"signature": b64encode(bytes(64)).decode()},
            {"signature": "not base64"},
        ],
        ids=["position", "chain_hash", "issued_at", "zero-signature", "garbage-signature"],
    )
    def test_refuses_one_with_any_field_changed(self, forgery: dict[str, object]) -> None:
        keys = keys_of(new_signing_key())
        forged = replace(keys.sign(7, CHAIN, ISSUED), **forgery)  # type: ignore[arg-type]

        with pytest.raises(CheckpointRefusedError, match="does not verify"):
            keys.check(forged)

    def test_refuses_one_signed_with_another_key(self) -> None:
        theirs = keys_of(new_signing_key()).sign(7, CHAIN, ISSUED)

        with pytest.raises(CheckpointRefusedError, match="neither this service's current key"):
            keys_of(new_signing_key()).check(theirs)

    def test_refuses_another_keys_signature_under_our_key_id(self) -> None:
        ours, theirs = keys_of(new_signing_key()), keys_of(new_signing_key())
        ours_id = ours.sign(7, CHAIN, ISSUED).key_id
        unsigned = Checkpoint(7, CHAIN.hex(), "2026-11-26T09:30:00.000000Z", ours_id, "")
        assert theirs.private is not None
        signature = b64encode(theirs.private.sign(unsigned.signed_bytes())).decode()

        with pytest.raises(CheckpointRefusedError, match="does not verify"):
            ours.check(replace(unsigned, signature=signature))

    def test_still_accepts_one_signed_with_a_retired_key_after_a_key_change(self) -> None:
        old, new = new_signing_key(), new_signing_key()
        before_the_change = keys_of(old).sign(7, CHAIN, ISSUED)

        used = keys_of(new, public_of(old)).check(before_the_change)

        assert (used.current, used.key_id) == (False, before_the_change.key_id)


class TestPublishedKeys:
    def test_lists_the_current_key_first_then_the_retired_ones(self) -> None:
        old, new = new_signing_key(), new_signing_key()

        published = keys_of(new, public_of(old), public_of(old)).published()

        assert [(k.public_key, k.current, k.algorithm) for k in published] == [
            (public_of(new), True, "Ed25519"),
            (public_of(old), False, "Ed25519"),
        ]
        public = decode_public_keys(public_of(old))[0]
        assert published[1].key_id == key_id(public)


class TestCheckpointFiles:
    def test_a_checkpoint_reads_back_from_its_json(self) -> None:
        checkpoint = keys_of(new_signing_key()).sign(7, CHAIN, ISSUED)

        assert Checkpoint.from_json(json.loads(json.dumps(checkpoint.to_json()))) == checkpoint

    @pytest.mark.parametrize(
        "damage",
        [
            {"position": "7"},
            {"position": True},
            {"position": -1},
            {"chain_hash": "ABC"},
            {"signature": None},
        ],
        ids=["position-text", "position-bool", "position-negative", "short-hash", "no-signature"],
    )
    def test_a_malformed_one_is_an_operators_error(self, damage: dict[str, object]) -> None:
        value = {**keys_of(new_signing_key()).sign(7, CHAIN, ISSUED).to_json(), **damage}

        with pytest.raises(CheckpointError):
            Checkpoint.from_json(value)

    def test_a_json_list_is_not_a_checkpoint(self) -> None:
        with pytest.raises(CheckpointError, match="JSON object"):
            Checkpoint.from_json([1, 2])


class TestConfiguration:
    @pytest.mark.parametrize(
        "key", ["not base64!", b64encode(bytes(31)).decode(), ""], ids=["text", "31-bytes", "empty"]
    )
    def test_a_malformed_signing_key_is_refused_in_one_line_without_repeating_it(
        self, key: str
    ) -> None:
        with pytest.raises(SigningKeyError, match="CASE_TRANSFER_SIGNING_KEY") as raised:
            check_settings(Settings(signing_key=SecretStr(key)))

        assert "\n" not in str(raised.value)
        assert not key or key not in str(raised.value)

    def test_a_malformed_retired_key_is_refused(self) -> None:
        good = public_of(new_signing_key())

        with pytest.raises(SigningKeyError, match="CASE_TRANSFER_SIGNING_RETIRED_PUBLIC_KEYS"):
            check_settings(Settings(signing_retired_public_keys=f"{good},AAAA"))

    def test_production_refuses_to_start_without_a_signing_key(self, tmp_path: Path) -> None:
        settings = Settings(
            env="production",
            principals_file=tmp_path / "principals.toml",
            encryption_key=SecretStr(new_encryption_key()),
        )

        with pytest.raises(SettingsError) as raised:
            check_settings(settings)

        assert str(raised.value) == (
            "CASE_TRANSFER_ENV=production needs CASE_TRANSFER_SIGNING_KEY; refusing to start"
        )

    def test_production_starts_with_one(self, tmp_path: Path) -> None:
        check_settings(
            Settings(
                env="production",
                principals_file=tmp_path / "principals.toml",
                encryption_key=SecretStr(new_encryption_key()),
                signing_key=SecretStr(new_signing_key()),
            )
        )


class TestTheDevelopmentKey:
    def test_is_made_once_readable_by_its_owner_only(self, tmp_path: Path) -> None:
        path = tmp_path / "var" / "signing-key.development"

        first, made = development_signing_key(path)
        again, made_again = development_signing_key(path)

        assert (made, made_again) == (True, False)
        assert first.get_secret_value() == again.get_secret_value()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        decode_signing_key(first)  # a key the service accepts

    def test_processes_starting_together_agree_on_one_key(self, tmp_path: Path) -> None:
        path = tmp_path / "signing-key.development"
        results: list[tuple[str, bool]] = []
        barrier = threading.Barrier(8)

        def start() -> None:
            barrier.wait()
            key, made = development_signing_key(path)
            results.append((key.get_secret_value(), made))

        threads = [threading.Thread(target=start) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert len({key for key, _ in results}) == 1
        assert sum(made for _, made in results) == 1
        assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary files left
