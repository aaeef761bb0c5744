"""What a newcomer trips on from a fresh clone: each ends in one clear line, or never happens.

Found by trying the README from a fresh clone (issue 13): a notice printed twice, a busy
port announced as served, a principals file nobody can use, folders made where a path
was mistyped, and ``--help`` that said nothing about the settings.
"""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

from tests.paths import REPOSITORY

from .test_cli import (
    _environment,
    _free_port,
    assert_operator_error,
    case_transfer,
    serving,
)

SIGNING_NOTICE = "ledger checkpoints are signed with the key in"


class TestServe:
    def test_says_once_which_development_signing_key_it_uses(self, tmp_path: Path) -> None:
        with serving(tmp_path, _free_port(), _environment()):
            pass
        printed = (tmp_path / "stdout.txt").read_text() + (tmp_path / "stderr.txt").read_text()

        assert printed.count(SIGNING_NOTICE) == 1, printed

    def test_a_busy_port_is_one_line_before_anything_is_announced(self, tmp_path: Path) -> None:
        with socket.create_server(("127.0.0.1", 0)) as busy:
            port = busy.getsockname()[1]
            result = case_transfer("serve", "--port", str(port), cwd=tmp_path, timeout=60)

        line = assert_operator_error(result, str(port), "--port")
        assert "Serving on" not in result.stdout, (line, result.stdout)

    def test_a_principals_file_naming_nobody_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "principals.toml"
        path.write_text("# nobody yet\n", encoding="utf-8")

        result = case_transfer(
            "serve", cwd=tmp_path, timeout=30, CASE_TRANSFER_PRINCIPALS_FILE=str(path)
        )

        assert_operator_error(result, str(path), "principals add")

    def test_a_sqlite_url_in_a_missing_folder_is_refused_and_no_folder_is_made(
        self, tmp_path: Path
    ) -> None:
        result = case_transfer(
            "serve", cwd=tmp_path, timeout=30, CASE_TRANSFER_DATABASE_URL="sqlite:///dta/x.db"
        )

        assert_operator_error(result, "dta", "does not exist")
        assert not (tmp_path / "dta").exists()

    def test_a_sqlite_url_with_two_slashes_says_how_many_it_needs(self, tmp_path: Path) -> None:
        result = case_transfer(
            "serve", cwd=tmp_path, timeout=30, CASE_TRANSFER_DATABASE_URL="sqlite://x.db"
        )

        assert_operator_error(result, "sqlite:///")

    def test_help_describes_each_option_its_default_and_the_settings_it_reads(
        self, tmp_path: Path
    ) -> None:
        result = case_transfer("serve", "--help", cwd=tmp_path)

        assert result.returncode == 0, result.stderr
        assert "TCP port to listen on (default: 8000)" in result.stdout
        assert "CASE_TRANSFER_DATABASE_URL (default sqlite:///var/case-transfer.sqlite3)" in (
            result.stdout
        )
        assert "CASE_TRANSFER_STORE_TIMEOUT_SECONDS" in result.stdout


class TestAddPrincipal:
    def test_without_a_file_named_it_writes_nothing_and_says_how_to_name_one(
        self, tmp_path: Path
    ) -> None:
        result = case_transfer(
            "principals", "add", "--name", "X", "--role", "auditor", cwd=tmp_path
        )

        assert_operator_error(result, "--file", "CASE_TRANSFER_PRINCIPALS_FILE")
        assert not (tmp_path / "var").exists()


def test_the_readme_principals_file_is_ignored_by_git() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "principals.toml"], cwd=REPOSITORY, check=False
    )
    assert ignored.returncode == 0
