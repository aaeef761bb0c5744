"""GET /v1/ledger/checkpoint and /v1/ledger/keys through a real HTTP client: a checkpoint
covers every write made before it, verifies with a published key using nothing but the
documented payload, and is refused to a MASH; the ledger falling behind is a 503."""

from __future__ import annotations

import json
from base64 import b64decode
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from service.adapters.sql import open_engine, writing
from service.adapters.tables import LEDGER, positions
from service.asgi import create_app
from service.audit.recompute import recompute
from service.audit.signing import (
    Checkpoint,
    decode_signing_key,
    key_id,
    new_signing_key,
    public_key_text,
)
from service.audit.verify import verify
from service.bootstrap import signing_keys
from service.settings import Settings

from .support import Api, Clock, assert_problem

SIGNING_KEY = new_signing_key()
RETIRED_KEY = new_signing_key()


def public_of(secret: str) -> str:
    return public_key_text(decode_signing_key(SecretStr(secret)).public_key())


@pytest.fixture
def settings(database_url: str, principals: tuple[Path, dict[str, str]]) -> Settings:
    """The usual settings with a known signing key and one retired key."""
    return Settings(
        database_url=database_url,
        principals_file=principals[0],
        signing_key=SecretStr(SIGNING_KEY),
        signing_retired_public_keys=public_of(RETIRED_KEY),
    )


def signed_payload(body: dict[str, Any]) -> bytes:
    """The documented payload, built here without the service's code."""
    fields = {name: body[name] for name in ("position", "chain_hash", "issued_at", "key_id")}
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def published(api: Api) -> dict[str, dict[str, Any]]:
    response = api.auditor.get("/v1/ledger/keys")
    assert response.status_code == 200, response.text
    return {key["key_id"]: key for key in response.json()["items"]}


class TestCheckpoint:
    def test_verifies_with_the_published_key_over_the_documented_payload(self, api: Api) -> None:
        api.open_case()

        body = api.somerset.get("/v1/ledger/checkpoint").json()

        key = published(api)[body["key_id"]]
        assert key["current"] is True
        public = Ed25519PublicKey.from_public_bytes(b64decode(key["public_key"]))
        public.verify(b64decode(body["signature"]), signed_payload(body))  # raises if not
        assert body["issued_at"].endswith("Z")

    def test_covers_every_write_made_before_it(self, api: Api) -> None:
        case = api.open_case()
        api.propose(case["case_id"])
        application = api.client.app.state.service.application  # type: ignore[attr-defined]
        head = application.recorder.max_notification_id()

        body = api.auditor.get("/v1/ledger/checkpoint").json()

        assert body["position"] == head
        chain = [entry.chain_sha256 for entry in recompute(application, stop=head)][-1]
        assert chain is not None
        assert body["chain_hash"] == chain.hex()

    def test_an_earlier_checkpoint_still_verifies_after_more_writes(
        self, api: Api, settings: Settings
    ) -> None:
        api.open_case()
        earlier = api.somerset.get("/v1/ledger/checkpoint").json()
        api.open_case()
        later = api.bristol.get("/v1/ledger/checkpoint").json()
        state = api.client.app.state.service  # type: ignore[attr-defined]
        engine = open_engine(settings)

        try:
            report = verify(
                state.application,
                engine,
                checkpoint=Checkpoint.from_json(earlier),
                keys=signing_keys(settings, create=False),
            )
        finally:
            engine.dispose()

        assert later["position"] > earlier["position"]
        assert later["chain_hash"] != earlier["chain_hash"]
        assert report.finding is None, report.summary()

    def test_is_refused_to_a_mash_with_its_own_code(self, api: Api) -> None:
        for mash in (api.mash, api.leeds_mash):
            assert_problem(mash.get("/v1/ledger/checkpoint"), 403, "ledger-not-for-mash")

    def test_needs_a_token(self, api: Api) -> None:
        assert_problem(api.anonymous.get("/v1/ledger/checkpoint"), 401, "unauthenticated")


class TestKeys:
    def test_lists_the_current_key_and_the_retired_one_for_anyone_authenticated(
        self, api: Api
    ) -> None:
        answers = [c.get("/v1/ledger/keys") for c in (api.somerset, api.mash, api.auditor)]

        assert {a.status_code for a in answers} == {200}
        items = answers[1].json()["items"]
        current = decode_signing_key(SecretStr(SIGNING_KEY)).public_key()
        assert items == [
            {
                "key_id": key_id(current),
                "algorithm": "Ed25519",
                "public_key": public_of(SIGNING_KEY),
                "current": True,
            },
            {
                "key_id": key_id(decode_signing_key(SecretStr(RETIRED_KEY)).public_key()),
                "algorithm": "Ed25519",
                "public_key": public_of(RETIRED_KEY),
                "current": False,
            },
        ]

    def test_need_a_token(self, api: Api) -> None:
        assert_problem(api.anonymous.get("/v1/ledger/keys"), 401, "unauthenticated")


class TestLedgerBehind:
    @pytest.fixture
    def slow_client(self, settings: Settings, clock: Clock) -> Iterator[TestClient]:
        """No background catch-up after start, and a short wait for the ledger."""
        quiet = settings.model_copy(
            update={"projection_interval_seconds": 3600.0, "read_model_wait_seconds": 0.3}
        )
        with TestClient(create_app(quiet, clock=clock.now), raise_server_exceptions=True) as c:
            yield c

    def test_is_503_with_retry_after_while_another_process_holds_the_ledger(
        self,
        slow_client: TestClient,
        settings: Settings,
        principals: tuple[Path, dict[str, str]],
        clock: Clock,
    ) -> None:
        api = Api(slow_client, principals[1], clock)
        api.open_case()
        other = open_engine(settings)
        try:
            with writing(other) as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(
                        select(positions.c.position)
                        .where(positions.c.name == LEDGER)
                        .with_for_update()
                    )
                response = api.auditor.get("/v1/ledger/checkpoint")
        finally:
            other.dispose()

        assert_problem(response, 503, "read-models-behind")
        assert response.headers["Retry-After"]
        assert api.auditor.get("/v1/ledger/checkpoint").status_code == 200
