"""The ``case-transfer`` command, run as an operator runs it: in a subprocess.

Operator mistakes end with one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from service.adapters.principals import Principal, load_principals
from service.api.app import openapi_document
from tests.paths import REPOSITORY

ROOT = REPOSITORY
DEVELOPMENT_NAMES = (
    "Somerset case system",
    "Bristol case system",
    "Leeds case system",
    "Somerset MASH",
    "Auditor",
)


def _environment(**variables: str) -> dict[str, str]:
    """The caller's environment without any CASE_TRANSFER_ setting, plus ``variables``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASE_TRANSFER_")}
    env["PYTHONPATH"] = str(ROOT)
    env.update(variables)
    return env


def case_transfer(
    *args: str, cwd: Path, timeout: float = 60, **variables: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args],
        cwd=cwd,
        env=_environment(**variables),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def assert_operator_error(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """Exit status 2 and one line on stderr, naming the command and the problem."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("case-transfer: "), lines[0]
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


class TestAddPrincipal:
    def test_prints_a_new_token_once_and_the_file_then_authenticates_it(
        self, tmp_path: Path
    ) -> None:
        path = tmp_path / "etc" / "principals.toml"

        result = case_transfer(
            "principals",
            "add",
            "--name",
            "Somerset case system",
            "--role",
            "authority",
            "--authority",
            "933",
            "--file",
            str(path),
            cwd=tmp_path,
        )

        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        token = result.stdout.splitlines()[-1].strip()
        assert len(token) >= 32
        assert result.stdout.count(token) == 1
        assert token not in path.read_text(encoding="utf-8")
        directory = load_principals(path)
        assert directory.authenticate(token) == Principal(
            "Somerset case system", "authority", "933"
        )
        assert directory.authenticate(token + "x") is None

    def test_reads_the_file_named_by_the_environment_when_none_is_given(
        self, tmp_path: Path
    ) -> None:
        path = tmp_path / "principals.toml"

        first = case_transfer(
            "principals",
            "add",
            "--name",
            "Auditor",
            "--role",
            "auditor",
            cwd=tmp_path,
            CASE_TRANSFER_PRINCIPALS_FILE=str(path),
        )
        second = case_transfer(
            "principals",
            "add",
            "--name",
            "Leeds MASH",
            "--role",
            "mash",
            "--authority",
            "383",
            cwd=tmp_path,
            CASE_TRANSFER_PRINCIPALS_FILE=str(path),
        )

        assert (first.returncode, second.returncode) == (0, 0), first.stderr + second.stderr
        directory = load_principals(path)
        assert directory.authenticate(first.stdout.splitlines()[-1]) == Principal(
            "Auditor", "auditor", None
        )
        assert directory.authenticate(second.stdout.splitlines()[-1]) == Principal(
            "Leeds MASH", "mash", "383"
        )

    @pytest.mark.parametrize(
        ("options", "words"),
        [
            (["--role", "superuser", "--authority", "933"], ["superuser"]),
            (["--role", "authority", "--authority", "999"], ["999"]),
            (["--role", "authority", "--authority", "Somerset"], ["Somerset"]),
            (["--role", "authority"], ["authority"]),
            (["--role", "auditor", "--authority", "933"], ["auditor"]),
        ],
        ids=["unknown-role", "unknown-authority", "name-not-code", "no-authority", "auditor-933"],
    )
    def test_an_invalid_principal_is_one_line_and_status_2(
        self, tmp_path: Path, options: list[str], words: list[str]
    ) -> None:
        path = tmp_path / "principals.toml"

        result = case_transfer(
            "principals", "add", "--name", "X", *options, "--file", str(path), cwd=tmp_path
        )

        assert_operator_error(result, *words)
        assert result.stdout == ""
        assert not path.exists()

    @pytest.mark.parametrize("kind", ["directory", "not-toml", "not-utf8", "unknown-key"])
    def test_an_unreadable_principals_file_is_one_line_and_status_2(
        self, tmp_path: Path, kind: str
    ) -> None:
        path = tmp_path / "principals.toml"
        if kind == "directory":
            path.mkdir()
        elif kind == "not-toml":
            path.write_text("[[principal]\nname = ", encoding="utf-8")
        elif kind == "not-utf8":
            path.write_bytes(b"\xff\xfe[[principal]]")
        else:
            path.write_text('[[principal]]\nname = "A"\nrole = "auditor"\nsecret = "x"\n')
        before = path.read_bytes() if path.is_file() else None

        result = case_transfer(
            "principals",
            "add",
            "--name",
            "Auditor",
            "--role",
            "auditor",
            "--file",
            str(path),
            cwd=tmp_path,
        )

        assert_operator_error(result, str(path))
        assert result.stdout == ""
        if before is not None:
            assert path.read_bytes() == before  # a broken file is never appended to

    def test_a_second_principal_of_the_same_name_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "principals.toml"
        add = ("principals", "add", "--name", "Auditor", "--role", "auditor", "--file", str(path))
        assert case_transfer(*add, cwd=tmp_path).returncode == 0
        before = path.read_text(encoding="utf-8")

        assert_operator_error(case_transfer(*add, cwd=tmp_path), "Auditor")
        assert path.read_text(encoding="utf-8") == before


class TestOpenapi:
    def test_writes_the_document_the_code_generates(self, tmp_path: Path) -> None:
        output = tmp_path / "out" / "openapi.json"

        result = case_transfer("openapi", "--output", str(output), cwd=tmp_path)

        assert result.returncode == 0, result.stderr
        assert output.read_text(encoding="utf-8") == openapi_document()


# ---- serve -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for_port(process: subprocess.Popen[bytes], port: int, within: float = 30) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"case-transfer serve exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"case-transfer serve did not listen on {port} within {within} s")


@contextmanager
def serving(tmp_path: Path, port: int, env: dict[str, str]) -> Iterator[str]:
    """Run ``case-transfer serve`` in ``tmp_path`` until the block ends; yield its URL.

    Its output goes to stdout.txt and stderr.txt in ``tmp_path``.
    """
    with (
        (tmp_path / "stdout.txt").open("wb") as out,
        (tmp_path / "stderr.txt").open("wb") as err,
    ):
        process = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=err,
        )
        try:
            _wait_for_port(process, port)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``case-transfer serve`` with default settings in an empty folder; its URL and stdout."""
    with serving(tmp_path, _free_port(), _environment()) as url:
        yield url, tmp_path / "stdout.txt"


class TestServe:
    def test_serves_with_zero_set_up_and_prints_the_development_tokens(
        self, served: tuple[str, Path], tmp_path: Path
    ) -> None:
        base_url, stdout = served
        printed = stdout.read_text(encoding="utf-8")
        tokens = {
            line.split()[-1]
            for line in printed.splitlines()
            if any(line.strip().startswith(name) for name in DEVELOPMENT_NAMES)
        }
        assert len(tokens) == len(DEVELOPMENT_NAMES), printed
        assert (tmp_path / "var" / "principals.development.toml").is_file()

        with httpx.Client(base_url=base_url, timeout=10) as http:
            assert http.get("/health/live").status_code == 200
            assert http.get("/health/ready").status_code == 200
            assert http.get("/v1/authorities").status_code == 401
            for token in tokens:
                answer = http.get("/v1/authorities", headers={"Authorization": f"Bearer {token}"})
                assert answer.status_code == 200, answer.text
                assert {"code": "933"}.items() <= next(
                    a for a in answer.json()["items"] if a["code"] == "933"
                ).items()

    def test_a_bad_database_url_is_one_line_and_status_2(self, tmp_path: Path) -> None:
        result = case_transfer(
            "serve", cwd=tmp_path, timeout=30, CASE_TRANSFER_DATABASE_URL="mysql://db/cases"
        )
        assert_operator_error(result, "CASE_TRANSFER_DATABASE_URL")

    def test_a_postgresql_url_without_a_database_is_one_line_and_status_2(
        self, tmp_path: Path
    ) -> None:
        result = case_transfer(
            "serve", cwd=tmp_path, timeout=30, CASE_TRANSFER_DATABASE_URL="postgresql://db"
        )
        assert_operator_error(result)

    @pytest.mark.parametrize("kind", ["missing", "not-toml"])
    def test_a_bad_principals_file_is_one_line_and_status_2(
        self, tmp_path: Path, kind: str
    ) -> None:
        path = tmp_path / "principals.toml"
        if kind == "not-toml":
            path.write_text("principal = [", encoding="utf-8")

        result = case_transfer(
            "serve", cwd=tmp_path, timeout=30, CASE_TRANSFER_PRINCIPALS_FILE=str(path)
        )

        assert_operator_error(result, str(path))

    def test_an_unreachable_database_is_one_line_and_status_2(self, tmp_path: Path) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as closed:
            closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
            port = closed.getsockname()[1]
            result = case_transfer(
                "serve",
                "--port",
                str(_free_port()),
                cwd=tmp_path,
                timeout=60,
                CASE_TRANSFER_DATABASE_URL=f"postgresql://postgres@127.0.0.1:{port}/cases",
                CASE_TRANSFER_STORE_TIMEOUT_SECONDS="1",
            )
        assert_operator_error(result)
