"""A server killed mid-write: what it answered survives, nothing is half-recorded, and
every request can be retried safely with its Idempotency-Key.

One ``case-transfer serve`` process takes a write load from several threads (open a
case, propose its transfer, record an assessment; every POST under its own key), and
is killed with SIGKILL once enough answers have come back and while requests are in
flight: no shutdown, no flush, whatever was half-done stays half-done. A new process
on the same port and store must then show every answered change exactly once, each
case's versions 1..n without a gap, and answer every retry as the first attempt was
answered (or, for a request that never got an answer, record it now exactly once).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest

from tests.stores import store

from .servers import (
    assert_case_invariants,
    assert_recorded_once,
    assessment,
    client,
    development_principals,
    free_port,
    history,
    opening,
    running_server,
)

WRITERS = 4
ANSWERS_BEFORE_KILL = 24
IN_FLIGHT_AT_KILL = 2  # kill only while at least this many requests are on the wire
CASES_PER_WRITER = 200  # a bound on each writer; the kill comes long before it
LOAD_TIMEOUT = 30.0


@dataclass
class Sent:
    """One POST of the load, and what came back (``answer`` None: no answer at all)."""

    who: str
    path: str
    body: dict[str, Any]
    key: str
    event_type: str
    answer: httpx.Response | None = None
    failure: str = ""

    @property
    def case_id(self) -> str:
        """The case the request changed (for an opening: known only from its answer)."""
        return self.path.split("/")[3]


class WriteLoad:
    """Writers walking new cases through their first steps until the server goes away."""

    def __init__(self, base_url: str, tokens: dict[str, str]) -> None:
        self.base_url = base_url
        self.tokens = tokens
        self.sent: list[list[Sent]] = [[] for _ in range(WRITERS)]
        self.answered = 0
        self.in_flight = 0
        self.stopping = threading.Event()
        self._changed = threading.Condition()
        self._threads = [
            threading.Thread(target=self._write, args=(n,), daemon=True) for n in range(WRITERS)
        ]

    def __enter__(self) -> WriteLoad:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        for thread in self._threads:
            thread.join(timeout=LOAD_TIMEOUT)
        assert not any(thread.is_alive() for thread in self._threads), "a writer did not stop"

    def wait_until_mid_flight(self) -> None:
        """Until enough answers have come back and requests are still on the wire."""
        with self._changed:
            ready = self._changed.wait_for(
                lambda: (
                    self.answered >= ANSWERS_BEFORE_KILL and self.in_flight >= IN_FLIGHT_AT_KILL
                ),
                timeout=LOAD_TIMEOUT,
            )
        assert ready, (self.answered, self.in_flight, self.failures())

    def requests(self) -> list[Sent]:
        return [sent for writer in self.sent for sent in writer]

    def failures(self) -> list[str]:
        return [s.failure for s in self.requests() if s.failure]

    def _write(self, n: int) -> None:
        who, to = ("somerset", "801") if n % 2 == 0 else ("bristol", "933")
        with client(self.base_url, self.tokens[who]) as http:
            for _ in range(CASES_PER_WRITER):
                if self.stopping.is_set():
                    return
                opening_sent = Sent(who, "/v1/cases", opening(), _key(), "CaseOpened")
                opened = self._send(n, http, opening_sent)
                if opened is None:
                    return
                base = f"/v1/cases/{opened['case_id']}"
                proposal = {"to_authority": to, "reason": "The family moved"}
                for sent in (
                    Sent(who, f"{base}/transfers", proposal, _key(), "TransferProposed"),
                    Sent(who, f"{base}/assessments", assessment(), _key(), "AssessmentCompleted"),
                ):
                    if self._send(n, http, sent) is None:
                        return

    def _send(self, n: int, http: httpx.Client, sent: Sent) -> dict[str, Any] | None:
        """POST; the answer's body, or None when there was no answer or it was refused."""
        self.sent[n].append(sent)
        with self._changed:
            self.in_flight += 1
            self._changed.notify_all()
        answer = None
        try:
            answer = http.post(sent.path, json=sent.body, headers={"Idempotency-Key": sent.key})
        except httpx.TransportError as error:  # the server was killed: no answer
            sent.failure = f"{type(error).__name__}: {error}"
        finally:
            with self._changed:
                self.in_flight -= 1
                self.answered += answer is not None
                self._changed.notify_all()
        sent.answer = answer
        if answer is None or not answer.is_success:
            return None
        body: dict[str, Any] = answer.json()
        return body


def _key() -> str:
    return f"crash-{uuid4().hex}"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with store(request.param, tmp_path) as url:
        yield url


def test_a_killed_server_loses_no_answered_change_and_every_retry_is_safe(
    database_url: str, tmp_path: Path
) -> None:
    principals, tokens = development_principals(tmp_path)
    logs = tmp_path / "logs"
    port = free_port()

    with (
        running_server(database_url, principals, logs, port=port) as server,
        WriteLoad(server.base_url, tokens) as load,
    ):
        load.wait_until_mid_flight()
        server.kill()
    requests = load.requests()
    answered = [s for s in requests if s.answer is not None]
    unanswered = [s for s in requests if s.answer is None]
    assert all(s.answer.is_success for s in answered if s.answer is not None), [
        s.answer.text for s in answered if s.answer is not None and not s.answer.is_success
    ]
    # A writer stops at its first request the kill left unanswered (in flight, or sent after).
    assert 1 <= len(unanswered) <= WRITERS, [s.failure for s in unanswered]

    with (
        running_server(database_url, principals, logs, port=port) as server,
        ExitStack() as clients,
    ):
        http = {
            who: clients.enter_context(client(server.base_url, tokens[who]))
            for who in ("somerset", "bristol", "auditor")
        }
        reader = http["auditor"]
        lengths = _assert_answered_changes_recorded(reader, answered)
        for sent in requests:
            _retry(http[sent.who], reader, sent, lengths)
        for case_id in lengths:
            assert_case_invariants(reader, case_id)


def _assert_answered_changes_recorded(reader: httpx.Client, answered: list[Sent]) -> dict[str, int]:
    """Every 2xx answer's change is in its case's history, once; each case whole.

    Returns each case's history length.
    """
    lengths: dict[str, int] = {}
    for sent in answered:
        assert sent.answer is not None
        case_id = sent.answer.json()["case_id"]
        if case_id not in lengths:
            lengths[case_id] = len(assert_case_invariants(reader, case_id))
        assert_recorded_once(history(reader, case_id), sent.answer, sent.event_type)
    return lengths


def _effects(reader: httpx.Client, sent: Sent) -> list[str]:
    """The cases (for an opening) or events that this request's change left in the record."""
    if sent.event_type == "CaseOpened":
        found = reader.get(
            "/v1/cases/by-nhs-number", params={"nhs_number": sent.body["nhs_number"]}
        )
        assert found.status_code == 200, found.text
        return [case["case_id"] for case in found.json()["items"]]
    return [e["type"] for e in history(reader, sent.case_id) if e["type"] == sent.event_type]


def _retry(http: httpx.Client, reader: httpx.Client, sent: Sent, lengths: dict[str, int]) -> None:
    """Send ``sent`` again with its key and body, and check what the retry did."""
    before = _effects(reader, sent)
    assert len(before) <= 1, (sent.path, before)  # never recorded twice
    if sent.event_type == "CaseOpened":
        length = len(history(reader, before[0])) if before else 0
    else:
        length = len(history(reader, sent.case_id))

    retry = http.post(sent.path, json=sent.body, headers={"Idempotency-Key": sent.key})

    assert retry.is_success, (sent.path, retry.status_code, retry.text)
    case_id = retry.json()["case_id"]
    events = history(reader, case_id)
    if sent.answer is not None:  # answered before the kill: exactly that answer, again
        _assert_same_answer(sent.answer, retry)
        assert len(events) == length == lengths[case_id], sent.path
    elif before:  # recorded before the kill but never answered: the effect is replayed
        assert retry.headers.get("Idempotent-Replayed") == "true", retry.headers
        assert len(events) == length, sent.path
        assert_recorded_once(events, retry, sent.event_type)
    else:  # never recorded: recorded now, once
        assert "Idempotent-Replayed" not in retry.headers, retry.headers
        assert len(events) == length + 1, sent.path
        assert_recorded_once(events, retry, sent.event_type)
    lengths[case_id] = len(events)
    if sent.event_type == "CaseOpened":  # one case for the child: opened once
        assert _effects(reader, sent) == [case_id], sent.body
    else:
        assert [e["type"] for e in events].count(sent.event_type) == 1, events

    again = http.post(sent.path, json=sent.body, headers={"Idempotency-Key": sent.key})
    assert again.json() == retry.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert len(history(reader, case_id)) == len(events)


def _assert_same_answer(first: httpx.Response, retry: httpx.Response) -> None:
    assert retry.status_code == first.status_code, retry.text
    assert retry.json() == first.json()
    for header in ("Location", "ETag"):
        assert retry.headers.get(header) == first.headers.get(header), header
    assert "Idempotent-Replayed" not in first.headers
    assert retry.headers.get("Idempotent-Replayed") == "true"
