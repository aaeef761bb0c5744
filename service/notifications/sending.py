"""One HTTP POST of a notification, bounded every way a receiver could hold it up.

A timeout covers connecting, sending and reading; redirects are never followed (a
receiver could otherwise send the signed body anywhere, the checks of its address
bypassed); at most ``RESPONSE_LIMIT`` bytes of the answer are read, for the delivery
log. Before each send the endpoint's host is resolved and checked again, so a name
that has come to point at a private address since it was registered is refused.
"""

from __future__ import annotations

import logging
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from service.domain.errors import InvalidInput
from service.domain.notifications import EndpointPolicy

RESPONSE_LIMIT = 1024
"""Bytes of a receiver's answer read (and kept, as its first 200 characters, in the log)."""


@dataclass(frozen=True)
class Answer:
    """What came of one attempt: the status (None when there was no answer), how long
    it took, and what went wrong."""

    status_code: int | None
    latency_ms: float
    error: str | None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        return self.status_code == 410


def check_endpoint(url: str, policy: EndpointPolicy) -> None:
    """Refuse (422) a URL that is malformed, not HTTPS, or resolves where it may not go."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username:
        raise InvalidInput(
            "The endpoint must be an absolute http(s) URL without credentials.",
            code="endpoint-invalid-url",
        )
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError, UnicodeError):
        raise InvalidInput(
            f"The endpoint's host {parts.hostname} does not resolve.", code="endpoint-unresolvable"
        ) from None
    addresses = sorted({str(entry[4][0]) for entry in found})
    policy.check(parts.scheme, parts.hostname, addresses)


def post(
    client: httpx.Client, url: str, headers: dict[str, str], body: bytes, policy: EndpointPolicy
) -> Answer:
    """POST ``body`` to ``url``; never raises for what the receiver or the network did."""
    started = time.monotonic()
    try:
        check_endpoint(url, policy)
        with client.stream(
            "POST",
            url,
            content=body,
            headers={**headers, "content-type": "application/json"},
            follow_redirects=False,
        ) as response:
            read = b""
            for chunk in response.iter_bytes():
                read += chunk
                if len(read) >= RESPONSE_LIMIT:
                    break
        status: int | None = response.status_code
        error = None if 200 <= response.status_code < 300 else _answered(response, read)
    except InvalidInput as refusal:
        status, error = None, f"{refusal.code}: {refusal.detail}"
    except httpx.TimeoutException:
        status, error = None, "timed out"
    except httpx.HTTPError as failure:
        status, error = None, f"{type(failure).__name__}: {failure}"[:200]
    return Answer(status, round((time.monotonic() - started) * 1000, 1), error)


def _answered(response: httpx.Response, read: bytes) -> str:
    text = read[:RESPONSE_LIMIT].decode("utf-8", errors="replace")[:200]
    return f"answered {response.status_code}" + (f": {text}" if text else "")


def http_client(timeout: float, concurrency: int) -> httpx.Client:
    """The client deliveries share: the timeout for each phase, a pool as big as the
    worker's concurrency, no redirects, no proxies from the environment."""
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per notification
    return httpx.Client(
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        trust_env=False,
        limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
    )
