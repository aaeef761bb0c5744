"""Data at rest: with an encryption key, nothing a child could be identified by is stored in clear.

The store is read as an attacker with a copy of it would read it: the SQLite file's raw
bytes (its write-ahead log too), or every column of every table in the PostgreSQL
schema. Without a key the same reading finds the NHS number, so the check can fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from service.adapters.keys import EncryptionKeyError, child_index_key, new_encryption_key
from service.asgi import create_app
from service.domain.child_index import ChildIndex
from service.settings import Settings

from .support import Api, Clock, assert_problem, random_nhs_number, transfer_url


@dataclass(frozen=True)
class Secrets:
    """What a case holds that must not be readable from the store."""

    nhs_number: str
    reference: str
    summary: str
    note: str

    @property
    def nhs_spaced(self) -> str:
        n = self.nhs_number
        return f"{n[:3]} {n[3:6]} {n[6:]}"

    def every_form(self) -> dict[str, bytes]:
        return {
            "NHS number": self.nhs_number.encode(),
            "NHS number, 3-3-4": self.nhs_spaced.encode(),
            "local reference": self.reference.encode(),
            "assessment summary": self.summary.encode(),
            "information note": self.note.encode(),
        }


def make_secrets() -> Secrets:
    marker = uuid4().hex[:12]
    return Secrets(
        nhs_number=random_nhs_number(),
        reference=f"LOCAL-{marker}",
        summary=f"Neglect concerns {marker}; the family needs support with housing.",
        note=f"Chronology sent by secure email {marker}",
    )


@contextmanager
def serving(
    database_url: str, principals: tuple[Path, dict[str, str]], clock: Clock, key: str | None
) -> Iterator[Api]:
    settings = Settings(
        database_url=database_url,
        principals_file=principals[0],
        encryption_key=SecretStr(key) if key else None,
    )
    with TestClient(create_app(settings, clock=clock.now), raise_server_exceptions=True) as c:
        yield Api(c, principals[1], clock)


def record_a_case(api: Api, secrets: Secrets) -> str:
    """Open a case with every kind of identifying text, through the HTTP API."""
    case = api.open_case(nhs_number=secrets.nhs_spaced, local_reference=secrets.reference)
    case_id: str = case["case_id"]
    assessed = api.somerset.post(
        f"/v1/cases/{case_id}/assessments",
        json={
            "completed_on": api.clock.today().isoformat(),
            "factors": ["3A", "8B"],
            "primary_need_code": "N1",
            "summary": secrets.summary,
        },
    )
    assert assessed.status_code == 200, assessed.text
    transfer_id = api.propose(case_id)
    shared = api.somerset.post(
        transfer_url(case_id, transfer_id, "information-shared"),
        json={
            "categories": ["assessment"],
            "shared_on": api.clock.today().isoformat(),
            "note": secrets.note,
        },
    )
    assert shared.status_code == 200, shared.text
    return case_id


def stored_bytes(database_url: str) -> bytes:
    """Everything the store holds, as bytes an attacker with a copy could search."""
    if database_url.startswith("sqlite:///"):
        database = Path(database_url.removeprefix("sqlite:///"))
        files = sorted(database.parent.glob(database.name + "*"))  # -wal, -shm, -journal
        assert database in files
        return b"".join(path.read_bytes() for path in files)
    return _postgres_bytes(database_url)


def _postgres_bytes(database_url: str) -> bytes:
    """Every column of every table in the test schema: bytea as it is, the rest as text."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(database_url)
    schema = parse_qs(parts.query)["schema"][0]
    chunks: list[bytes] = []
    with psycopg.connect(parts._replace(query="").geturl()) as connection:
        columns = connection.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = %s ORDER BY table_name, ordinal_position",
            (schema,),
        ).fetchall()
        assert columns, f"no tables in {schema}"
        for table, column, data_type in columns:
            cast = "bytea" if data_type == "bytea" else "text"
            query = sql.SQL("SELECT {}::{} FROM {}.{}").format(
                sql.Identifier(column),
                sql.SQL(cast),
                sql.Identifier(schema),
                sql.Identifier(table),
            )
            for (value,) in connection.execute(query):
                if value is not None:
                    chunks.append(bytes(value) if cast == "bytea" else value.encode())
    return b"\n".join(chunks)


def written_forms(uuid: UUID) -> list[bytes]:
    """How a store may write an aggregate id: 16 bytes, hex (SQLite), or with dashes."""
    return [uuid.bytes, uuid.hex.encode(), str(uuid).encode()]


def found_in(stored: bytes, secrets: Secrets) -> list[str]:
    return [name for name, value in secrets.every_form().items() if value in stored]


class TestWithAnEncryptionKey:
    def test_nothing_identifying_is_stored_in_clear(
        self, database_url: str, principals: tuple[Path, dict[str, str]], clock: Clock
    ) -> None:
        secrets = make_secrets()
        with serving(database_url, principals, clock, new_encryption_key()) as api:
            record_a_case(api, secrets)

        stored = stored_bytes(database_url)

        assert stored  # the store was read, not an empty file
        assert found_in(stored, secrets) == []

    def test_the_api_still_answers_in_clear(
        self, database_url: str, principals: tuple[Path, dict[str, str]], clock: Clock
    ) -> None:
        secrets = make_secrets()
        key = new_encryption_key()
        with serving(database_url, principals, clock, key) as api:
            case_id = record_a_case(api, secrets)
        with serving(database_url, principals, clock, key) as api:  # a restart, same key
            case = api.auditor.get(f"/v1/cases/{case_id}").json()
            found = api.mash.get(
                "/v1/cases/by-nhs-number", params={"nhs_number": secrets.nhs_spaced}
            )

        assert case["child"]["nhs_number"] == secrets.nhs_number
        assert [r["reference"] for r in case["local_references"]] == [secrets.reference]
        assert [a["summary"] for a in case["assessments"]] == [secrets.summary]
        assert case["active_transfer"]["information"][0]["note"] == secrets.note
        assert found.status_code == 200, found.text
        assert [c["case_id"] for c in found.json()["items"]] == [case_id]

    def test_a_second_open_case_for_the_child_is_still_refused(
        self, database_url: str, principals: tuple[Path, dict[str, str]], clock: Clock
    ) -> None:
        secrets = make_secrets()
        with serving(database_url, principals, clock, new_encryption_key()) as api:
            api.open_case(nhs_number=secrets.nhs_number)
            second = api.bristol.post(
                "/v1/cases",
                json={
                    "local_reference": "B-1",
                    "nhs_number": secrets.nhs_spaced,
                    "date_of_birth": "2019-05-04",
                },
            )

        assert_problem(second, 409, "child-has-open-case")


class TestTheChildIndex:
    def test_is_not_stored_under_an_unkeyed_hash_of_the_number(
        self, database_url: str, principals: tuple[Path, dict[str, str]], clock: Clock
    ) -> None:
        """The id the index used to have (uuid5 of the number) is found nowhere."""
        secrets = make_secrets()
        key = new_encryption_key()
        with serving(database_url, principals, clock, key) as api:
            record_a_case(api, secrets)
        unkeyed = uuid5(
            uuid5(NAMESPACE_URL, "urn:case-transfer-service:child-index"), secrets.nhs_number
        )
        keyed = ChildIndex.id_for(secrets.nhs_number, child_index_key(SecretStr(key)))

        stored = stored_bytes(database_url)

        assert any(form in stored for form in written_forms(keyed))  # the check sees ids
        assert not any(form in stored for form in written_forms(unkeyed))

    def test_its_id_differs_between_two_keys(self) -> None:
        nhs_number = random_nhs_number()
        one, other = (child_index_key(SecretStr(new_encryption_key())) for _ in range(2))

        assert one != other
        assert ChildIndex.id_for(nhs_number, one) != ChildIndex.id_for(nhs_number, other)


class TestAKeyThatCannotReadTheStore:
    """Refused at start-up: such a service could read no case and find no child."""

    @pytest.mark.parametrize(
        ("first", "then", "words"),
        [
            ("a key", "another key", "does not decrypt"),
            ("no key", "a key", "does not decrypt"),
            ("a key", "no key", "are encrypted"),
        ],
    )
    def test_is_refused(
        self,
        database_url: str,
        principals: tuple[Path, dict[str, str]],
        clock: Clock,
        first: str,
        then: str,
        words: str,
    ) -> None:
        keys = {"a key": new_encryption_key(), "another key": new_encryption_key(), "no key": None}
        with serving(database_url, principals, clock, keys[first]) as api:
            api.open_case()

        with (
            pytest.raises(EncryptionKeyError, match=words),
            serving(database_url, principals, clock, keys[then]),
        ):
            pass  # pragma: no cover

    def test_an_empty_store_takes_any_key(
        self, database_url: str, principals: tuple[Path, dict[str, str]], clock: Clock
    ) -> None:
        with serving(database_url, principals, clock, None) as api:
            assert api.somerset.get("/v1/authorities").status_code == 200
        with serving(database_url, principals, clock, new_encryption_key()) as api:
            api.open_case()


class TestWithoutAnEncryptionKey:
    def test_the_number_and_texts_are_in_the_store_in_clear(
        self, database_url: str, principals: tuple[Path, dict[str, str]], clock: Clock
    ) -> None:
        """Development only; and the proof that the checks above can fail."""
        secrets = make_secrets()
        with serving(database_url, principals, clock, None) as api:
            record_a_case(api, secrets)

        stored = stored_bytes(database_url)

        assert {"NHS number", "local reference", "assessment summary"} <= set(
            found_in(stored, secrets)
        )


@pytest.fixture(autouse=True)
def _a_stray_cipher_key_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Is ignored: only the settings turn encryption on, and only their key is used."""
    monkeypatch.setenv("CIPHER_KEY", new_encryption_key())
    monkeypatch.setenv("CIPHER_TOPIC", "eventsourcing.cryptography:AESCipher")
