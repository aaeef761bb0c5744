"""Notification delivery on this machine: deliveries per second, and the lag from a
commit to its notification's arrival.

``python -m bench.notifications [--database-url URL] [--backlog 1000] [--lag-events 100]``

One ``DeliveryWorker`` (as ``case-transfer deliver`` runs it, default settings but a
0.05 s poll) delivers to a real HTTP receiver on 127.0.0.1 answering 204 at once:

1. **throughput**: ``--backlog`` cases are opened with no worker running, then the
   worker drains them; deliveries per second = notifications / time to the last;
2. **lag**: with the worker running, ``--lag-events`` cases are opened one every
   20 ms; lag = arrival at the receiver minus the return of the command that
   recorded it (median, 95th percentile, maximum).

The receiver does nothing but keep its connections alive (HTTP/1.1), so this measures
the service's side: scheduling from the log, claiming, signing, sending and recording
each attempt. (Python's ``http.server`` answering HTTP/1.0, a new connection per
request, costs about 90 ms a round of 8 on this machine and would be measured instead.)
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from uuid import uuid4

from service.application import ChangeRequest
from service.bootstrap import Service, open_service
from service.domain.actors import Actor
from service.settings import Settings

SOMERSET = Actor("Somerset case system", "authority", "933")


class Arrivals:
    """When each notification first reached the receiver, by case id."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self.lock = threading.Lock()

    def serve(self) -> ThreadingHTTPServer:
        arrivals = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver would

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                now = time.monotonic()
                case_id = body.split(b'"case_id":"', 1)[-1][:36].decode()
                with arrivals.lock:
                    arrivals.at.setdefault(case_id, now)
                self.send_response(204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    def count(self) -> int:
        with self.lock:
            return len(self.at)


def open_case(service: Service) -> str:
    outcome = service.application.open_case(
        SOMERSET,
        ChangeRequest(),
        local_reference=f"B-{uuid4().hex[:8]}",
        nhs_number=None,
        date_of_birth=date(2019, 5, 4),
        expected_date_of_birth=None,
    )
    return str(outcome.case.id)


def wait_for(arrivals: Arrivals, count: int, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while arrivals.count() < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {arrivals.count()} of {count} arrived")
        time.sleep(0.005)


def run(database_url: str, backlog: int, lag_events: int) -> None:
    settings = Settings(database_url=database_url, notify_poll_seconds=0.05)
    service = open_service(settings)
    arrivals = Arrivals()
    receiver = arrivals.serve()
    try:
        url = f"http://127.0.0.1:{receiver.server_address[1]}/hooks"
        service.subscriptions.register(SOMERSET, url, None)
        for _ in range(backlog):
            open_case(service)
        worker = service.delivery_worker()
        started = time.monotonic()
        worker.start()
        wait_for(arrivals, backlog)
        seconds = time.monotonic() - started
        print(f"throughput: {backlog} notifications in {seconds:.2f} s: {backlog / seconds:.0f}/s")
        committed: dict[str, float] = {}
        for _ in range(lag_events):
            case_id = open_case(service)
            committed[case_id] = time.monotonic()
            time.sleep(0.02)
        wait_for(arrivals, backlog + lag_events)
        lags = sorted((arrivals.at[c] - t) * 1000 for c, t in committed.items())
        p95 = lags[int(len(lags) * 0.95) - 1]
        print(
            f"lag from commit to delivery over {lag_events} events: median "
            f"{statistics.median(lags):.0f} ms, p95 {p95:.0f} ms, max {lags[-1]:.0f} ms"
        )
        worker.stop()
    finally:
        receiver.shutdown()
        service.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a new SQLite file in a temporary folder")
    parser.add_argument("--backlog", type=int, default=1000)
    parser.add_argument("--lag-events", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        run(url, args.backlog, args.lag_events)


if __name__ == "__main__":
    main()
