"""Production mode: the service refuses to start without its real principals and key.

``CASE_TRANSFER_ENV=production`` turns the development conveniences (a principals file
made on first run, payloads stored in clear) into refusals: one line and exit status 2
from the command, a ValueError from ``create_app``. A malformed key is refused in any
mode, and the message never repeats it.
"""

from __future__ import annotations

from base64 import b64decode, b64encode
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from service.adapters.keys import EncryptionKeyError, new_encryption_key
from service.adapters.principals import add_principal
from service.asgi import create_app
from service.audit.signing import new_signing_key
from service.bootstrap import check_settings
from service.settings import Settings, SettingsError

from .test_cli import _environment, _free_port, assert_operator_error, case_transfer, serving

BAD_KEYS = {
    "not-base64": "this is not base64!",
    "too-short": b64encode(b"0123456789").decode(),
    "33-bytes": b64encode(bytes(33)).decode(),
    "empty": "",
}
DEVELOPMENT_FILE = Path("var") / "principals.development.toml"


@pytest.fixture
def principals_file(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "principals.toml"
    token = add_principal(path, name="Somerset case system", role="authority", authority="933")
    return path, token


def production(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "env": "production",
        "database_url": f"sqlite:///{tmp_path}/events.sqlite3",
        "principals_file": None,
        "encryption_key": None,
        "signing_key": SecretStr(new_signing_key()),  # its absence: tests/audit/test_signing.py
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


class TestCreateApp:
    def test_refuses_production_without_a_principals_file(self, tmp_path: Path) -> None:
        settings = production(tmp_path, encryption_key=SecretStr(new_encryption_key()))

        with pytest.raises(SettingsError, match="needs CASE_TRANSFER_PRINCIPALS_FILE;"):
            create_app(settings)

    def test_refuses_production_without_an_encryption_key(
        self, tmp_path: Path, principals_file: tuple[Path, str]
    ) -> None:
        settings = production(tmp_path, principals_file=principals_file[0])

        with pytest.raises(SettingsError, match="needs CASE_TRANSFER_ENCRYPTION_KEY;"):
            create_app(settings)

    def test_names_both_when_both_are_missing(self, tmp_path: Path) -> None:
        with pytest.raises(SettingsError) as raised:
            create_app(production(tmp_path))

        assert "CASE_TRANSFER_PRINCIPALS_FILE and CASE_TRANSFER_ENCRYPTION_KEY" in str(raised.value)
        assert "\n" not in str(raised.value)

    @pytest.mark.parametrize("env", ["production", "development"])
    @pytest.mark.parametrize("key", BAD_KEYS.values(), ids=BAD_KEYS.keys())
    def test_refuses_a_malformed_key_in_any_mode(
        self, tmp_path: Path, principals_file: tuple[Path, str], env: str, key: str
    ) -> None:
        settings = production(
            tmp_path, env=env, principals_file=principals_file[0], encryption_key=SecretStr(key)
        )

        with pytest.raises(EncryptionKeyError, match="CASE_TRANSFER_ENCRYPTION_KEY") as raised:
            create_app(settings)
        assert not key or key not in str(raised.value)

    def test_starts_in_production_with_both(
        self, tmp_path: Path, principals_file: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)
        path, token = principals_file
        settings = production(
            tmp_path, principals_file=path, encryption_key=SecretStr(new_encryption_key())
        )

        with TestClient(create_app(settings), raise_server_exceptions=True) as client:
            ready = client.get("/health/ready")
            authorities = client.get(
                "/v1/authorities", headers={"Authorization": f"Bearer {token}"}
            )

        assert ready.status_code == 200, ready.text
        assert authorities.status_code == 200, authorities.text
        assert not (tmp_path / DEVELOPMENT_FILE).exists()


class TestServe:
    def test_refuses_production_without_a_principals_file(self, tmp_path: Path) -> None:
        result = case_transfer(
            "serve",
            cwd=tmp_path,
            timeout=30,
            CASE_TRANSFER_ENV="production",
            CASE_TRANSFER_ENCRYPTION_KEY=new_encryption_key(),
        )

        assert_operator_error(result, "production", "CASE_TRANSFER_PRINCIPALS_FILE")
        assert not (tmp_path / DEVELOPMENT_FILE).exists()
        assert result.stdout == ""

    def test_refuses_production_without_an_encryption_key(
        self, tmp_path: Path, principals_file: tuple[Path, str]
    ) -> None:
        result = case_transfer(
            "serve",
            cwd=tmp_path,
            timeout=30,
            CASE_TRANSFER_ENV="production",
            CASE_TRANSFER_PRINCIPALS_FILE=str(principals_file[0]),
        )

        assert_operator_error(result, "production", "CASE_TRANSFER_ENCRYPTION_KEY")

    @pytest.mark.parametrize("key", ["this is not base64!", b64encode(bytes(20)).decode()])
    def test_refuses_a_malformed_key(
        self, tmp_path: Path, principals_file: tuple[Path, str], key: str
    ) -> None:
        result = case_transfer(
            "serve",
            cwd=tmp_path,
            timeout=30,
            CASE_TRANSFER_ENV="production",
            CASE_TRANSFER_PRINCIPALS_FILE=str(principals_file[0]),
            CASE_TRANSFER_ENCRYPTION_KEY=key,
        )

        line = assert_operator_error(result, "CASE_TRANSFER_ENCRYPTION_KEY", "keygen")
        assert key not in line

    def test_refuses_a_key_that_does_not_read_the_store(
        self, tmp_path: Path, principals_file: tuple[Path, str]
    ) -> None:
        path, token = principals_file
        written_with = new_encryption_key()
        settings = production(
            tmp_path, principals_file=path, encryption_key=SecretStr(written_with)
        )
        with TestClient(create_app(settings)) as client:
            opened = client.post(
                "/v1/cases",
                json={"local_reference": "S-1", "date_of_birth": "2019-05-04"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert opened.status_code == 201, opened.text

        result = case_transfer(
            "serve",
            cwd=tmp_path,
            timeout=30,
            CASE_TRANSFER_ENV="production",
            CASE_TRANSFER_DATABASE_URL=settings.database_url,
            CASE_TRANSFER_PRINCIPALS_FILE=str(path),
            CASE_TRANSFER_ENCRYPTION_KEY=new_encryption_key(),
            CASE_TRANSFER_SIGNING_KEY=new_signing_key(),
        )

        line = assert_operator_error(result, "CASE_TRANSFER_ENCRYPTION_KEY", "does not decrypt")
        assert written_with not in line

    def test_refuses_an_unknown_mode(self, tmp_path: Path) -> None:
        result = case_transfer("serve", cwd=tmp_path, timeout=30, CASE_TRANSFER_ENV="prod")

        assert_operator_error(result, "CASE_TRANSFER_ENV", "production")
        assert not (tmp_path / DEVELOPMENT_FILE).exists()

    def test_starts_in_production_with_both(
        self, tmp_path: Path, principals_file: tuple[Path, str]
    ) -> None:
        path, token = principals_file
        port = _free_port()
        env = _environment(
            CASE_TRANSFER_ENV="production",
            CASE_TRANSFER_PRINCIPALS_FILE=str(path),
            CASE_TRANSFER_ENCRYPTION_KEY=new_encryption_key(),
            CASE_TRANSFER_SIGNING_KEY=new_signing_key(),
        )
        with serving(tmp_path, port, env) as base_url, httpx.Client(base_url=base_url) as http:
            ready = http.get("/health/ready")
            authorities = http.get("/v1/authorities", headers={"Authorization": f"Bearer {token}"})

        assert ready.status_code == 200, ready.text
        assert authorities.status_code == 200, authorities.text
        assert not (tmp_path / DEVELOPMENT_FILE).exists()
        assert "DEVELOPMENT" not in (tmp_path / "stdout.txt").read_text(encoding="utf-8")

    def test_a_production_principal_needs_a_named_file(self, tmp_path: Path) -> None:
        result = case_transfer(
            "principals",
            "add",
            "--name",
            "Auditor",
            "--role",
            "auditor",
            cwd=tmp_path,
            CASE_TRANSFER_ENV="production",
        )

        assert_operator_error(result, "--file", "CASE_TRANSFER_PRINCIPALS_FILE")
        assert not (tmp_path / DEVELOPMENT_FILE).exists()


class TestKeygen:
    def test_prints_a_new_256_bit_key_the_service_accepts(self, tmp_path: Path) -> None:
        first, second = (case_transfer("keygen", cwd=tmp_path) for _ in range(2))

        assert (first.returncode, second.returncode) == (0, 0), first.stderr + second.stderr
        keys = [first.stdout.strip(), second.stdout.strip()]
        assert keys[0] != keys[1]
        for key in keys:
            assert len(b64decode(key, validate=True)) == 32
            check_settings(Settings(encryption_key=SecretStr(key)))  # raises if the key is refused
