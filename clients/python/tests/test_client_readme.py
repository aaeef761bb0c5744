"""The README's "Integrating a case system" example runs as written against the service:
Somerset's receiver is told, signed, that Bristol accepted the transfer it proposed.

Bristol's system is played by a thread of the test: it watches its incoming transfers
and takes its steps once Somerset has proposed a date. Notifications are delivered by
the worker ``serve`` runs in development (the client tests' service runs it too).
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from client_support import Service

from case_transfer_client import CaseTransferClient

README = Path(__file__).parents[3] / "README.md"
REASON = "Family moved to Bristol"  # as the example proposes


def example() -> str:
    section = README.read_text(encoding="utf-8").split("## Integrating a case system")[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None
    return match.group(1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Bristol(threading.Thread):
    """Bristol's case system: accepts the example's transfer once it may."""

    def __init__(self, service: Service) -> None:
        super().__init__(daemon=True)
        self.client = CaseTransferClient(service.url, service.tokens["bristol"])
        self.stop = threading.Event()
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop.wait(0.05):
                for transfer in self.client.iter_transfers(direction="incoming"):
                    on = transfer.proposed_date
                    if transfer.reason == REASON and on and transfer.information_shared:
                        case_id, transfer_id = transfer.case_id, transfer.transfer_id
                        self.client.confirm_information_received(case_id, transfer_id)
                        self.client.agree_transfer_date(case_id, transfer_id, on)
                        self.client.accept_transfer(case_id, transfer_id)
                        return
        except BaseException as failure:
            self.failure = failure


@pytest.fixture
def bristol_system(service: Service) -> Iterator[Bristol]:
    bristol = Bristol(service)
    bristol.start()
    yield bristol
    bristol.stop.set()
    bristol.join(timeout=10)
    bristol.client.close()


def test_the_integration_example_is_told_of_the_acceptance(
    service: Service, bristol_system: Bristol, capsys: pytest.CaptureFixture[str]
) -> None:
    code = example()
    assert len(code.splitlines()) <= 32  # short enough to read at a glance
    port = str(free_port())
    code = code.replace("http://127.0.0.1:8000", service.url).replace("8001", port)
    code = code.replace("told.get()", "told.get(timeout=30)")
    namespace: dict[str, Any] = {"SOMERSET_TOKEN": service.tokens["somerset"]}
    try:
        exec(compile(code, "README.md", "exec"), namespace)
    finally:
        if "receiver" in namespace:
            namespace["receiver"].shutdown()
        if "subscription" in namespace:
            with CaseTransferClient(service.url, service.tokens["somerset"]) as somerset:
                somerset.delete_subscription(namespace["subscription"].subscription_id)
        assert bristol_system.failure is None, bristol_system.failure

    case_id = namespace["case"].case_id
    assert capsys.readouterr().out == f"ResponsibilityAccepted {case_id}\n"
