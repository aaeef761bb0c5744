"""The database URL becomes the eventsourcing environment, without touching os.environ."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from eventsourcing.cryptography import AESCipher
from eventsourcing.utils import Environment

from service.adapters.cipher import KeptKeyAESCipher
from service.adapters.event_store import StoreConfigurationError, eventsourcing_env
from service.adapters.keys import new_encryption_key
from service.settings import Settings


def env_for(url: str, **settings: int) -> dict[str, str]:
    return eventsourcing_env(Settings(database_url=url, **settings))  # type: ignore[arg-type]


class TestSqlite:
    def test_a_relative_path_is_relative_to_the_working_directory(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)
        (tmp_path / "data").mkdir()

        env = env_for("sqlite:///data/events.sqlite3")

        assert env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite"
        assert env["SQLITE_DBNAME"] == "data/events.sqlite3"

    def test_only_the_default_folder_is_made_so_the_first_start_just_works(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)

        env_for("sqlite:///var/events.sqlite3")
        with pytest.raises(StoreConfigurationError, match="does not exist"):
            env_for("sqlite:///var/data/events.sqlite3")

        assert (tmp_path / "var").is_dir()
        assert not (tmp_path / "var" / "data").exists()

    def test_an_absolute_path_takes_four_slashes(self, tmp_path: Path) -> None:
        database = tmp_path / "events.sqlite3"

        url = f"sqlite:///{database}"

        env = env_for(url)

        assert url.startswith("sqlite:////")
        assert env["SQLITE_DBNAME"] == str(database)

    def test_in_memory_creates_no_folder(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)

        env = env_for("sqlite:///:memory:")

        assert env["SQLITE_DBNAME"] == ":memory:"
        assert list(tmp_path.iterdir()) == []

    def test_the_store_timeout_is_the_lock_timeout(self, tmp_path: Path) -> None:
        env = env_for(f"sqlite:///{tmp_path}/e.db", store_timeout_seconds=7)
        assert env["SQLITE_LOCK_TIMEOUT"] == "7"

    def test_the_default_settings_name_a_file_under_var(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)
        for name in [n for n in os.environ if n.startswith("CASE_TRANSFER_")]:
            monkeypatch.delenv(name)

        env = eventsourcing_env(Settings())

        assert env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite"
        assert Path(env["SQLITE_DBNAME"]).parent == Path("var")


class TestPostgres:
    def test_every_part_of_the_url_is_used(self) -> None:
        env = env_for(
            "postgresql://case_user:s3cret@db.internal:5433/cases?schema=transfer",
            store_timeout_seconds=4,
        )

        assert env["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
        assert {k: env[k] for k in env if k.startswith("POSTGRES_") and "TIMEOUT" not in k} == {
            "POSTGRES_DBNAME": "cases",
            "POSTGRES_HOST": "db.internal",
            "POSTGRES_PORT": "5433",
            "POSTGRES_USER": "case_user",
            "POSTGRES_PASSWORD": "s3cret",
            "POSTGRES_SCHEMA": "transfer",
            "POSTGRES_PRE_PING": "n",  # pinged under the request's deadline (store_waits)
            "POSTGRES_POOL_SIZE": "2",
            "POSTGRES_MAX_OVERFLOW": "16",  # the requests' turns (10) and six more
        }

    @pytest.mark.parametrize("budget", [1, 2, 5, 10, 30])
    def test_each_try_waits_a_share_of_the_store_timeout(self, budget: int) -> None:
        """The recorder tries each call up to ten times: each try must not take the budget."""
        env = env_for("postgresql://h/db", store_timeout_seconds=budget)

        for key in ("POSTGRES_CONNECT_TIMEOUT", "POSTGRES_LOCK_TIMEOUT"):
            assert 1 <= int(env[key]) <= max(1, budget // 10), key

    def test_defaults_port_user_password_and_schema(self) -> None:
        env = env_for("postgresql://db.internal/cases")

        assert (env["POSTGRES_PORT"], env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]) == (
            "5432",
            "postgres",
            "",
        )
        assert env["POSTGRES_SCHEMA"] == ""

    def test_percent_encoded_credentials_are_decoded(self) -> None:
        env = env_for("postgresql://case%40la:p%40ss%3Aw%2Fd@127.0.0.1:5432/my%20db")

        assert env["POSTGRES_USER"] == "case@la"
        assert env["POSTGRES_PASSWORD"] == "p@ss:w/d"
        assert env["POSTGRES_DBNAME"] == "my db"

    @pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+psycopg"])
    def test_the_usual_schemes_are_accepted(self, scheme: str) -> None:
        assert env_for(f"{scheme}://h/db")["PERSISTENCE_MODULE"] == "eventsourcing.postgres"

    def test_db_functions_are_never_enabled(self) -> None:
        env = env_for("postgresql://h/db")
        assert not any("DB_FUNCTIONS" in key for key in env)

    @pytest.mark.parametrize("url", ["postgresql://db.internal", "postgresql://db.internal/"])
    def test_a_url_without_a_database_is_refused(self, url: str) -> None:
        with pytest.raises(StoreConfigurationError, match="database name"):
            env_for(url)


class TestUnusableUrls:
    @pytest.mark.parametrize(
        "url",
        ["mysql://u@h/db", "sqlite://relative.db", "sqlite:relative.db", "", "events.sqlite3"],
    )
    def test_is_a_store_configuration_error(self, url: str) -> None:
        with pytest.raises(StoreConfigurationError):
            env_for(url)

    def test_the_message_names_the_variable_and_not_the_password(self) -> None:
        with pytest.raises(StoreConfigurationError) as raised:
            env_for("mysql://user:hunter2@h/db")
        assert "CASE_TRANSFER_DATABASE_URL" in str(raised.value)
        assert "hunter2" not in str(raised.value)

    def test_is_a_value_error_for_callers_that_catch_those(self) -> None:
        assert issubclass(StoreConfigurationError, ValueError)

    def test_the_environment_is_not_changed(self, tmp_path: Path) -> None:
        before = dict(os.environ)
        env_for(f"sqlite:///{tmp_path}/e.db")
        env_for("postgresql://u:p@h:5433/db?schema=x")
        assert dict(os.environ) == before


class TestEncryption:
    def test_a_key_turns_on_eventsourcings_aes_gcm_cipher(self) -> None:
        key = new_encryption_key()

        env = env_for("postgresql://h/db", encryption_key=key)  # type: ignore[arg-type]

        assert env["CIPHER_TOPIC"] == "service.adapters.cipher:KeptKeyAESCipher"
        assert env["CIPHER_KEY"] == key

    def test_the_kept_key_cipher_reads_and_writes_the_librarys_format(self) -> None:
        environment = Environment(env={"CIPHER_KEY": new_encryption_key()})
        ours, library = KeptKeyAESCipher(environment), AESCipher(environment)
        payload = b'{"summary": "Assessed."}'

        assert library.decrypt(ours.encrypt(payload)) == payload
        assert ours.decrypt(library.encrypt(payload)) == payload
        tampered = bytearray(ours.encrypt(payload))
        tampered[-1] ^= 1
        with pytest.raises(ValueError, match="Invalid cipher tag"):
            ours.decrypt(bytes(tampered))

    def test_without_a_key_a_cipher_in_the_process_environment_is_not_used(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("CIPHER_KEY", "c3RyYXkgY2lwaGVyIGtleSAxNiBi")

        env = env_for(f"sqlite:///{tmp_path}/e.db")

        assert (env["CIPHER_TOPIC"], env["CIPHER_KEY"]) == ("", "")
