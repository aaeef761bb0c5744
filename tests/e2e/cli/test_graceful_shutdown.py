"""``case-transfer serve`` stopped with SIGTERM, as an orchestrator stops it: the requests
in flight are answered, the process exits 0, and everything it logged is JSON lines.

Each request is held in flight deterministically: it is sent with ``Expect: 100-continue``
and its body is kept back until the service has asked for it (``100 Continue``), so the
service is inside the request when SIGTERM arrives; the body follows the signal.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from service.adapters.principals import add_principal
from tests.e2e.api.support import random_nhs_number
from tests.paths import REPOSITORY

ROOT = REPOSITORY
IN_FLIGHT = 8
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is POSIX")


def _environment(**variables: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASE_TRANSFER_")}
    env["PYTHONPATH"] = str(ROOT)
    env.update(variables)
    return env


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _wait(condition: Callable[[], bool], what: str, within: float = 30) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {within} s")
        time.sleep(0.05)


def _read_until(sock: socket.socket, marker: bytes) -> bytes:
    data = b""
    while marker not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


class HeldPost:
    """A POST /v1/cases whose body is sent only when ``finish`` is called."""

    def __init__(self, port: int, token: str, request_id: str) -> None:
        self.body = json.dumps(
            {
                "local_reference": request_id,
                "nhs_number": random_nhs_number(),
                "date_of_birth": "2019-05-04",
            }
        ).encode()
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        head = (
            "POST /v1/cases HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {token}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(self.body)}\r\n"
            "Expect: 100-continue\r\n"
            f"X-Request-ID: {request_id}\r\n\r\n"
        )
        self.sock.sendall(head.encode("ascii"))
        interim = _read_until(self.sock, b"\r\n\r\n")
        assert interim.startswith(b"HTTP/1.1 100 "), interim  # the service is reading it

    def finish(self) -> tuple[int, bytes]:
        """Send the body; the status and the whole answer, read until the server closes."""
        self.sock.sendall(self.body)
        answer = b""
        while chunk := self.sock.recv(65536):
            answer += chunk
        self.sock.close()
        return int(answer.split(b" ", 2)[1]), answer


def test_requests_in_flight_at_sigterm_are_answered_and_the_process_exits_0(
    tmp_path: Path,
) -> None:
    principals = tmp_path / "principals.toml"
    token = add_principal(
        principals, name="Somerset case system", role="authority", authority="933"
    )
    port = _free_port()
    stderr = tmp_path / "stderr.txt"
    with (tmp_path / "stdout.txt").open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve", "--port", str(port)],
            cwd=tmp_path,
            env=_environment(
                CASE_TRANSFER_PRINCIPALS_FILE=str(principals),
                CASE_TRANSFER_DATABASE_URL=f"sqlite:///{tmp_path}/events.sqlite3",
                CASE_TRANSFER_SHUTDOWN_GRACE_SECONDS="20",
            ),
            stdout=out,
            stderr=err,
        )
        try:
            _wait(lambda: process.poll() is None and _listening(port), "no server listening")
            held = [HeldPost(port, token, f"in-flight-{n}") for n in range(IN_FLIGHT)]

            process.send_signal(signal.SIGTERM)
            _wait(lambda: not _listening(port), "still accepting connections after SIGTERM")
            answers = [request.finish() for request in held]
            returncode = process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=15)

    assert [status for status, _ in answers] == [201] * IN_FLIGHT, answers
    assert returncode == 0, stderr.read_text(encoding="utf-8")
    lines = [json.loads(line) for line in stderr.read_text(encoding="utf-8").splitlines()]
    logged = {
        line["request_id"]: line["status"] for line in lines if line["logger"] == "service.requests"
    }
    assert logged == {f"in-flight-{n}": 201 for n in range(IN_FLIGHT)}
    messages = [line["message"] for line in lines]
    assert "Shutting down" in messages
    assert "Application shutdown complete." in messages
    assert all(line["level"] in {"INFO", "WARNING"} for line in lines), lines
