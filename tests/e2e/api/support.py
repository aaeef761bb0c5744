"""Test support for the API tests: callers for each principal kind and small factories."""

from __future__ import annotations

import random
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from uuid import uuid4

import httpx
from fastapi.testclient import TestClient

from service.domain.calendar import london_date
from service.settings import Settings

# Short names for the development principals, plus one more authority's MASH.
NAMES = {
    "somerset": "Somerset case system",
    "bristol": "Bristol case system",
    "leeds": "Leeds case system",
    "mash": "Somerset MASH",
    "auditor": "Auditor",
}

PARTNERS = {  # short name -> (principal name, its agency)
    "police": (
        "Avon and Somerset Police safeguarding",
        {"agency": "police-avon-somerset", "agency_name": "Avon and Somerset Police",
         "agency_kind": "police"},
    ),
    "hospital": (
        "Musgrove Park Hospital safeguarding",
        {"agency": "hospital-musgrove", "agency_name": "Musgrove Park Hospital",
         "agency_kind": "hospital"},
    ),
    "school": (
        "Taunton Primary School",
        {"agency": "school-taunton", "agency_name": "Taunton Primary School",
         "agency_kind": "school"},
    ),
}  # fmt: skip


SETTLE_MARGIN_SECONDS: float = Settings.model_fields["settle_margin_seconds"].default
"""How long after it is recorded an acceptance for today takes effect (the default)."""


@dataclass
class Clock:
    """Real time plus an offset a test may advance, to see a hand-over take effect."""

    offset: timedelta = field(default_factory=timedelta)

    def now(self) -> datetime:
        return datetime.now(tz=UTC) + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)

    def today(self) -> date:
        return london_date(self.now())


class Caller:
    """One principal's view of the API: ``api.somerset.post(...)``."""

    def __init__(self, client: TestClient, token: str | None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        response: httpx.Response = self.client.get(url, headers=headers, **kwargs)
        return response

    def post(self, url: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        response: httpx.Response = self.client.post(url, json=json, headers=headers, **kwargs)
        return response


class Api:
    """Callers for every principal kind, and small factories for common steps."""

    def __init__(self, client: TestClient, tokens: dict[str, str], clock: Clock) -> None:
        self.client = client
        self.clock = clock
        self.somerset = Caller(client, tokens["somerset"])
        self.bristol = Caller(client, tokens["bristol"])
        self.leeds = Caller(client, tokens["leeds"])
        self.mash = Caller(client, tokens["mash"])
        self.leeds_mash = Caller(client, tokens["leeds-mash"])
        self.auditor = Caller(client, tokens["auditor"])
        self.anonymous = Caller(client, None)
        # Partners, where the principals file has them (the API tests' does: PARTNERS).
        self.police = Caller(client, tokens.get("police"))
        self.hospital = Caller(client, tokens.get("hospital"))
        self.school = Caller(client, tokens.get("school"))

    def open_case(self, by: Caller | None = None, **overrides: Any) -> dict[str, Any]:
        body = {
            "local_reference": f"REF-{uuid4().hex[:8]}",
            "nhs_number": random_nhs_number(),
            "date_of_birth": "2019-05-04",
            **overrides,
        }
        response = (by or self.somerset).post("/v1/cases", json=body)
        assert response.status_code == 201, response.text
        case: dict[str, Any] = response.json()
        return case

    def propose(self, case_id: str, to: str = "801", by: Caller | None = None) -> str:
        response = (by or self.somerset).post(
            f"/v1/cases/{case_id}/transfers", json={"to_authority": to, "reason": "Family moved"}
        )
        assert response.status_code == 201, response.text
        transfer_id: str = response.json()["active_transfer"]["transfer_id"]
        return transfer_id

    def assess(self, case_id: str, by: Caller | None = None) -> httpx.Response:
        return (by or self.somerset).post(
            f"/v1/cases/{case_id}/assessments",
            json={
                "completed_on": self.clock.today().isoformat(),
                "factors": ["3A", "8B"],
                "primary_need_code": "N1",
                "summary": "Neglect concerns; the family needs support with housing.",
            },
        )

    def share(self, case_id: str, transfer_id: str, by: Caller | None = None) -> httpx.Response:
        return (by or self.somerset).post(
            f"/v1/cases/{case_id}/transfers/{transfer_id}/information-shared",
            json={
                "categories": ["assessment", "chronology"],
                "references": ["DOC-1"],
                "shared_on": self.clock.today().isoformat(),
            },
        )

    def agree_date(
        self,
        case_id: str,
        transfer_id: str,
        on: date,
        proposer: Caller | None = None,
        agreer: Caller | None = None,
    ) -> httpx.Response:
        base = f"/v1/cases/{case_id}/transfers/{transfer_id}"
        proposed = (proposer or self.somerset).post(
            f"{base}/date-proposals", json={"date": on.isoformat()}
        )
        assert proposed.status_code == 200, proposed.text
        return (agreer or self.bristol).post(
            f"{base}/date-agreement", json={"date": on.isoformat()}
        )

    def ready_to_accept(self, case_id: str, transfer_id: str, on: date | None = None) -> None:
        """Walk a transfer through the three steps before acceptance."""
        assert self.assess(case_id).status_code == 200
        assert self.share(case_id, transfer_id).status_code == 200
        when = on or self.clock.today() + timedelta(days=1)
        assert self.agree_date(case_id, transfer_id, when).status_code == 200

    def accept(self, case_id: str, transfer_id: str, by: Caller | None = None) -> httpx.Response:
        """Accept, then move the clock on by the settle margin: an acceptance for today takes
        effect that long after it is recorded, and the test goes on from then."""
        url = f"/v1/cases/{case_id}/transfers/{transfer_id}/acceptance"
        response = (by or self.bristol).post(url)
        if response.status_code == 200:
            self.clock.advance(seconds=SETTLE_MARGIN_SECONDS)
        return response

    def close(
        self, case_id: str, reason_code: str = "RC8", by: Caller | None = None
    ) -> httpx.Response:
        """Close, then move the clock on by the settle margin: a closure ends
        responsibility that long after it is recorded, like an acceptance moves it."""
        url = f"/v1/cases/{case_id}/closure"
        response = (by or self.somerset).post(url, json={"reason_code": reason_code})
        if response.status_code == 200:
            self.clock.advance(seconds=SETTLE_MARGIN_SECONDS)
        return response


def random_nhs_number() -> str:
    """A random NHS number with a valid Modulus 11 check digit."""
    while True:
        digits = [random.randint(0, 9) for _ in range(9)]
        remainder = sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        check = 11 - remainder
        if check == 11:
            check = 0
        if check != 10 and len(set(digits)) > 1:
            return "".join(map(str, digits)) + str(check)


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The response is an RFC 9457 problem with this status and stable code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code, body
    assert body["type"] and body["title"] and body["detail"]
    return body


# ---- helpers for the route tests (appended) -------------------------------------------


def transfer_url(case_id: str, transfer_id: str, step: str = "") -> str:
    """``/v1/cases/{case_id}/transfers/{transfer_id}[/step]``."""
    base = f"/v1/cases/{case_id}/transfers/{transfer_id}"
    return f"{base}/{step}" if step else base


def complete_transfer(api: Api, case_id: str) -> str:
    """Carry an open Somerset case to Bristol with today's date: responsibility passes
    once the settle margin has passed (``Api.accept`` moves the clock on by it)."""
    transfer_id = api.propose(case_id, to="801")
    api.ready_to_accept(case_id, transfer_id, on=api.clock.today())
    accepted = api.accept(case_id, transfer_id)
    assert accepted.status_code == 200, accepted.text
    view = api.bristol.get(f"/v1/cases/{case_id}").json()
    assert view["responsible_authority"]["code"] == "801"
    return transfer_id


def decline(api: Api, case_id: str, transfer_id: str, by: Caller | None = None) -> httpx.Response:
    """The receiving authority (Bristol unless told) declines the transfer."""
    return (by or api.bristol).post(
        transfer_url(case_id, transfer_id, "decline"), json={"reason": "Family not resident here"}
    )


# ---- a real server, concurrent callers and a breakable network path --------------------

T = TypeVar("T")


@contextmanager
def live_server(app: Any, *, start_timeout: float = 15.0) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free 127.0.0.1 port in a thread; yield its base URL.

    The socket is bound here and handed to uvicorn, so no other process can take the
    port between choosing and listening.
    """
    import uvicorn

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=5)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            listener.close()
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        listener.close()


def http_client(base_url: str, token: str | None = None, *, timeout: float = 30.0) -> httpx.Client:
    """A real HTTP client for one principal, bounded by ``timeout`` seconds per request."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=base_url, headers=headers, timeout=timeout)


def at_once(calls: Sequence[Callable[[], T]], *, timeout: float = 60.0) -> list[T]:
    """Run every call in its own thread, released together by a barrier; their results in order.

    An exception in any call is raised here, after every thread has finished.
    """
    barrier = threading.Barrier(len(calls), timeout=timeout)

    def lined_up(call: Callable[[], T]) -> T:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(lined_up, call) for call in calls]
        return [future.result(timeout=timeout) for future in futures]


def timed(call: Callable[[], httpx.Response]) -> Callable[[], tuple[httpx.Response, float]]:
    """``call``, answering its response and how many seconds it took."""

    def run() -> tuple[httpx.Response, float]:
        started = time.monotonic()
        response = call()
        return response, time.monotonic() - started

    return run


def event_types(caller: Caller, case_id: str) -> list[str]:
    """The types of the case's events, in order, as its history shows them."""
    response = caller.get(f"/v1/cases/{case_id}/history")
    assert response.status_code == 200, response.text
    return [event["type"] for event in response.json()["events"]]


class TcpProxy:
    """A TCP proxy on 127.0.0.1 to a target, that a test can cut and restore.

    ``cut()`` closes the listening socket and resets every forwarded connection, as
    when the database host goes away; ``restore()`` listens again on the same port.
    ``silence()`` keeps every connection open and accepts new ones but forwards nothing
    (what is sent is read and dropped, so it is acknowledged), as a database or a
    network that stops answering without closing anything; ``speak()`` ends that.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._listener: socket.socket | None = None
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._silent = threading.Event()

    def __enter__(self) -> TcpProxy:
        self.restore()
        return self

    def __exit__(self, *_: object) -> None:
        self.cut()

    def restore(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        with self._lock:
            self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            connections, self._connections = self._connections, set()
        if listener is not None:
            _close(listener)
        for connection in connections:
            _reset(connection)

    def silence(self) -> None:
        self._silent.set()

    def speak(self) -> None:
        """Forward again; the connections held silent are reset (what they sent is lost)."""
        with self._lock:
            connections, self._connections = self._connections, set()
            self._silent.clear()
        for connection in connections:
            _reset(connection)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            if self._silent.is_set():
                with self._lock:
                    self._connections.add(client)  # held open, never answered
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                if self._listener is not listener:
                    client.close()
                    upstream.close()
                    return
                self._connections.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                if not self._silent.is_set():
                    sink.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._connections.discard(source)
                self._connections.discard(sink)
            _close(source)
            _close(sink)


def _reset(connection: socket.socket) -> None:
    """Linger 0: close with a reset, like a host that has gone, not a polite FIN."""
    with suppress(OSError):
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    _close(connection)


def _close(sock: socket.socket) -> None:
    """Shut down and close; shutdown also wakes a thread blocked in accept() or recv()."""
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
