"""Server processes for a run: ``case-transfer serve`` and the bare baseline, and their memory.

Each is started as an operator starts it, in its own OS process on 127.0.0.1, with the
run's production environment, and is stopped with SIGTERM (SIGKILL if it hangs) in a
``finally``. While it serves, a thread samples its resident memory; at the end the
kernel's high-water mark (``VmHWM``) is read as well, where there is one.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

START_TIMEOUT = 120.0
MB = 1024 * 1024


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def serve_command(port: int) -> list[str]:
    """``case-transfer serve`` of this environment (else ``python -m service.cli``)."""
    script = Path(sys.executable).with_name("case-transfer")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "service.cli"]
    return [*command, "serve", "--host", "127.0.0.1", "--port", str(port)]


def bare_command(port: int) -> list[str]:
    return [sys.executable, "-m", "bench.bare_app", "--host", "127.0.0.1", "--port", str(port)]


@dataclass
class Server:
    """A running server: where it answers, and the memory it has used so far."""

    base_url: str
    process: subprocess.Popen[bytes]
    samples_mb: list[float] = field(default_factory=list)

    def peak_rss_mb(self) -> float:
        """The largest resident set seen: the kernel's VmHWM if readable, else the samples."""
        sampled = max(self.samples_mb, default=0.0)
        with suppress(OSError, ValueError):
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return max(sampled, int(line.split()[1]) / 1024)
        return sampled

    def cpu_seconds(self) -> float:
        with suppress(psutil.Error):
            times = psutil.Process(self.process.pid).cpu_times()
            return float(times.user + times.system)
        return 0.0


@contextmanager
def running(
    command: Callable[[int], list[str]], environment: dict[str, str], log: Path
) -> Iterator[Server]:
    """Start ``command(port)``, wait until /health/live answers; stop it afterwards."""
    port = free_port()
    with log.open("ab") as output:
        process = subprocess.Popen(command(port), env=environment, stdout=output, stderr=output)
    server = Server(f"http://127.0.0.1:{port}", process)
    stop = threading.Event()
    sampler = threading.Thread(target=_sample, args=(server, stop), daemon=True)
    try:
        _wait_until_live(server, log)
        sampler.start()
        yield server
    finally:
        stop.set()
        if sampler.is_alive():
            sampler.join()
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_live(server: Server, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    with httpx.Client(base_url=server.base_url, timeout=2.0) as client:
        while True:
            if server.process.poll() is not None:
                tail = log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"the server exited with {server.process.returncode}:\n{tail}")
            with suppress(httpx.TransportError):
                if client.get("/health/live").status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server was not live after {START_TIMEOUT} s (log: {log})")
            time.sleep(0.1)


def _sample(server: Server, stop: threading.Event) -> None:
    with suppress(psutil.Error):
        process = psutil.Process(server.process.pid)
        while not stop.wait(0.1):
            server.samples_mb.append(process.memory_info().rss / MB)
