"""Real HTTP receivers for the notification tests: small threaded servers on free ports.

Each verifies every request with the ``standardwebhooks`` package (an implementation
independent of the service's), keeps each ``webhook-id`` once (the dedupe a receiver
is told to do) and answers as its ``behaviour`` says: the n-th request (from 1) may be
answered 500 or 410, or late. A receiver can be stopped and started again on its port.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError

from service.settings import Settings
from tests.e2e.reliability.servers import free_port


@dataclass(frozen=True)
class Reply:
    """How to answer one request: a status, after a delay."""

    status: int = 204
    delay: float = 0.0
    location: str | None = None
    body: bytes = b""


Behaviour = Callable[[int], Reply]


def always(status: int = 204) -> Behaviour:
    return lambda n: Reply(status)


def first(count: int, reply: Reply) -> Behaviour:
    """``reply`` to the first ``count`` requests, then 204."""
    return lambda n: reply if n <= count else Reply()


@dataclass
class Receiver:
    """One endpoint: what it accepted (each webhook-id once), in order of arrival."""

    behaviour: Behaviour = field(default_factory=always)
    port: int = field(default_factory=free_port)
    secrets: list[str] = field(default_factory=list)
    accepted: list[dict[str, Any]] = field(default_factory=list)
    requests: int = 0
    duplicates: int = 0
    unverified: list[str] = field(default_factory=list)
    in_flight: dict[str, int] = field(default_factory=dict)
    overlapping: list[str] = field(default_factory=list)
    signatures: list[str] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                reply = receiver.receive(dict(self.headers.items()), body)
                time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    if reply.location:
                        self.send_header("location", reply.location)
                    self.send_header("content-length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except OSError:
                    pass  # the sender gave up waiting (timeout) or was killed
                finally:
                    receiver.finished(self.headers.get("webhook-id", ""))

            def log_message(self, *args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def receive(self, headers: dict[str, str], body: bytes) -> Reply:
        """Verify, dedupe and decide how to answer (before the answer's delay)."""
        with self._lock:
            self.requests += 1
            reply = self.behaviour(self.requests)
            headers = {name.lower(): value for name, value in headers.items()}
            message_id = headers.get("webhook-id", "")
            self.in_flight[message_id] = self.in_flight.get(message_id, 0) + 1
            if self.in_flight[message_id] > 1:
                self.overlapping.append(message_id)
            self.signatures.append(headers.get("webhook-signature", ""))
            if not self._verified(headers, body):
                self.unverified.append(message_id)
                return Reply(400)
            if reply.status >= 300:
                return reply
            if message_id in self._seen:
                self.duplicates += 1
            else:
                self._seen.add(message_id)
                self.accepted.append({"webhook_id": message_id, **json.loads(body)})
            return reply

    def finished(self, message_id: str) -> None:
        with self._lock:
            self.in_flight[message_id] = self.in_flight.get(message_id, 1) - 1

    def _verified(self, headers: dict[str, str], body: bytes) -> bool:
        for secret in self.secrets:
            try:
                Webhook(secret).verify(body, headers)
                return True
            except WebhookVerificationError:
                continue
        return False

    def positions(self, case_id: str) -> list[int]:
        """The log positions of one case's notifications, in the order accepted."""
        with self._lock:
            return [
                n["data"]["position"] for n in self.accepted if n["data"].get("case_id") == case_id
            ]

    def accepted_ids(self) -> set[str]:
        with self._lock:
            return {n["webhook_id"] for n in self.accepted}


@contextmanager
def receivers(*behaviours: Behaviour, started: bool = True) -> Iterator[list[Receiver]]:
    """Receivers for ``behaviours``, stopped afterwards."""
    made = [Receiver(behaviour) for behaviour in behaviours]
    try:
        if started:
            for receiver in made:
                receiver.start()
        yield made
    finally:
        for receiver in made:
            receiver.stop()


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` until true; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def fast_settings(**given: Any) -> Settings:
    """Settings whose back-off and polling are fast enough for tests to run in seconds."""
    fast: dict[str, Any] = {
        "notify_timeout_seconds": 0.5,
        "notify_retry_base_seconds": 0.1,
        "notify_retry_max_interval_seconds": 0.4,
        "notify_poll_seconds": 0.05,
        "projection_interval_seconds": 0.1,
    }
    return Settings(**{**fast, **given})
