"""One budget per request, and the watchdog that ends reads past it (real sockets)."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from service.adapters import deadline
from service.adapters.deadline import SocketWatchdog, budget_of, time_left
from service.adapters.event_store import StoreUnavailableError


class TestBudget:
    def test_outside_a_request_each_wait_has_its_own_bound(self) -> None:
        assert deadline.current() is None
        assert time_left(7.0) == 7.0
        assert deadline.bounded(7.0) == 7.0

    def test_inside_one_every_wait_takes_what_is_left(self) -> None:
        with budget_of(0.2):
            assert time_left(7.0) <= 0.2
            assert deadline.bounded(7.0) <= 0.2
            time.sleep(0.25)
            with pytest.raises(StoreUnavailableError, match="run out"):
                time_left(7.0)
            assert deadline.bounded(7.0) == 0.0
        assert deadline.current() is None  # nothing is left to the next request


class TestSocketWatchdog:
    def test_a_read_still_waiting_past_the_deadline_is_woken(self) -> None:
        watchdog = SocketWatchdog(grace=0.05, interval=0.02)
        ours, silent_peer = socket.socketpair()
        woken: list[float] = []

        def read() -> None:
            with budget_of(0.2), watchdog.watching(ours.fileno()):
                started = time.monotonic()
                ours.recv(1)  # the peer never sends: only the watchdog ends this
                woken.append(time.monotonic() - started)

        reader = threading.Thread(target=read)
        try:
            reader.start()
            reader.join(timeout=5)
            assert not reader.is_alive()
            assert 0.2 <= woken[0] < 1.0
        finally:
            ours.close()
            silent_peer.close()

    def test_a_socket_no_longer_in_use_is_left_alone(self) -> None:
        watchdog = SocketWatchdog(grace=0.0, interval=0.02)
        ours, peer = socket.socketpair()
        try:
            with budget_of(0.05), watchdog.watching(ours.fileno()):
                pass
            time.sleep(0.15)
            peer.sendall(b"x")
            assert ours.recv(1) == b"x"
        finally:
            ours.close()
            peer.close()

    def test_outside_a_request_nothing_is_watched(self) -> None:
        assert SocketWatchdog().watch(0) is None
