"""What the client's tests run the service with: a real server, and a front to break.

The service runs as it does in production: uvicorn serving ``create_app`` on a free
port, on a fresh SQLite file. Between it and the client stand two things a test can
make misbehave, each once, so a retry can be seen working:

- ``Front``, inside the server: it records the Idempotency-Key of every request, and
  can let the service handle a request and then lose its answer, sending a 503 with
  ``Retry-After`` instead (as a gateway does when the service answered too late);
- ``DroppingProxy``, a TCP proxy: it can pass a request on, wait for the service to
  start answering, and reset the client's connection instead of relaying the answer.

``Receiver`` is a case system's endpoint for notifications: a real HTTP server.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOST = {
    "type": "urn:case-transfer:problem:store-unavailable",
    "title": "The record is unavailable",
    "status": 503,
    "detail": "The answer was lost on its way (a test's front).",
    "code": "store-unavailable",
}


@dataclass
class Seen:
    method: str
    path: str
    idempotency_key: str | None
    if_match: str | None


@dataclass
class Front:
    """ASGI middleware recording each request, and losing answers when told to."""

    app: ASGIApp
    lose: int = 0
    """How many of the next requests get a 503 after the service has handled them."""
    retry_after: str = "1"
    seen: list[Seen] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.seen.append(
            Seen(
                scope["method"],
                scope["path"],
                headers.get("idempotency-key"),
                headers.get("if-match"),
            )
        )
        if self.lose <= 0:
            await self.app(scope, receive, send)
            return
        self.lose -= 1

        async def discard(_: Message) -> None:
            return None

        await self.app(scope, receive, discard)
        body = json.dumps(LOST).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", self.retry_after.encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


@dataclass
class Service:
    """The running service: its URL, each development principal's token, its front."""

    url: str
    tokens: dict[str, str]
    front: Front


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free 127.0.0.1 port in a thread; its base URL."""
    import uvicorn

    listener = socket.create_server(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the service did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        listener.close()


class DroppingProxy:
    """A TCP proxy to ``target`` that resets the next ``drop`` connections once the
    service has begun answering their first request (so it has handled it)."""

    def __init__(self, target: str) -> None:
        host, _, port = target.removeprefix("http://").partition(":")
        self.target = (host, int(port))
        self.drop = 0
        self.dropped = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        _close(self._listener)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream = socket.create_connection(self.target)
        if self.drop > 0:
            self.drop -= 1
            upstream.sendall(_read_message(client))
            _read_until(upstream, b"\r\n\r\n")  # the service has answered: it handled it
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            _close(client)
            _close(upstream)
            self.dropped += 1
            return
        threading.Thread(target=_pump, args=(upstream, client), daemon=True).start()
        _pump(client, upstream)


def _read_until(sock: socket.socket, marker: bytes, data: bytes = b"") -> bytes:
    while marker not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def _read_message(sock: socket.socket) -> bytes:
    """One HTTP/1.1 request with a Content-Length body (or none), as the client sent it."""
    data = _read_until(sock, b"\r\n\r\n")
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        _close(source)
        _close(sink)


def _close(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


class Receiver:
    """An HTTP endpoint on a free 127.0.0.1 port that keeps every notification POSTed to
    it (its headers and body, as received) and answers 204; 500 to the first ``failing``."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.failing = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.received.append((dict(self.headers.items()), body))
                failed = len(receiver.received) <= receiver.failing
                self.send_response(500 if failed else 204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/notifications"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait_for(self, count: int) -> list[tuple[dict[str, str], bytes]]:
        """The first ``count`` notifications, once they have arrived."""
        wait_until(lambda: len(self.received) >= count, f"{count} notifications")
        return self.received[:count]


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)
