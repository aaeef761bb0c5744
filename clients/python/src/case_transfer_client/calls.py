"""What a call to the service is, and when to try it again: shared by both clients.

A route method builds a ``Call`` (method, path, query, body, how to read the answer);
the sync and async clients send it. Each logical call gets one Idempotency-Key, made
here unless the caller gives one, and sends it on every retry, so a change the service
recorded before the answer was lost is answered again (``Idempotent-Replayed``)
instead of being recorded twice.
"""

from __future__ import annotations

import email.utils
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar
from uuid import UUID, uuid4

import httpx

from .errors import ServiceUnreachableError, raise_for_problem
from .models import Answered, View

T_co = TypeVar("T_co", covariant=True)
V = TypeVar("V", bound=View)

RETRYABLE_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
"""Transport errors after which a call is tried again (safe: every POST carries a key)."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to try a call again after a 503 or a connection error.

    A 503's ``Retry-After`` is honoured (seconds or an HTTP date), up to ``max_delay``;
    without one, and after a connection error, the wait doubles from ``backoff`` with
    up to 10% jitter. ``attempts`` counts the first try: 1 means never retry.
    """

    attempts: int = 4
    backoff: float = 0.5
    max_delay: float = 30.0
    statuses: frozenset[int] = frozenset({503})

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.backoff < 0 or self.max_delay < 0:
            raise ValueError("attempts must be at least 1; backoff and max_delay not negative")


NO_RETRIES = RetryPolicy(attempts=1)


@dataclass(frozen=True)
class Call(Generic[T_co]):
    """One logical request and how to read its answer."""

    method: str
    path: str
    read: Callable[[httpx.Response], T_co]
    params: Mapping[str, Any] = field(default_factory=dict)
    body: Mapping[str, Any] | None = None
    expected_version: int | None = None
    idempotency_key: str | None = None
    accept: str = "application/json"

    def headers(self) -> dict[str, str]:
        """The headers of every attempt: one key per logical call, reused on its retries."""
        headers = {"Accept": self.accept}
        if self.method == "POST":
            headers["Idempotency-Key"] = self.idempotency_key or str(uuid4())
        if self.expected_version is not None:
            headers["If-Match"] = f'"{self.expected_version}"'
        return headers

    def request(
        self, http: httpx.Client | httpx.AsyncClient, headers: Mapping[str, str]
    ) -> httpx.Request:
        """The request every attempt sends: built once, so its key is the same on each."""
        return http.build_request(
            self.method,
            self.path,
            params={k: wire(v) for k, v in self.params.items() if v is not None},
            json=wire(self.body) if self.body is not None else None,
            headers={**headers, **self.headers()},
        )

    def following(self, params: Mapping[str, Any]) -> Call[T_co]:
        """The same call with other query parameters: the next page of a list."""
        return replace(self, params={**self.params, **params})


def wire(value: Any) -> Any:
    """A value as JSON or a query string carries it: dates ISO 8601, ids as text."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("instants must carry an offset (a naive datetime is ambiguous)")
        return value.isoformat()
    if isinstance(value, date | UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {k: wire(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [wire(v) for v in value]
    return value


def reader(model: type[V]) -> Callable[[httpx.Response], V]:
    """Read a successful answer into ``model`` (raising the problem of one that is not),
    keeping what its headers said in ``answered``."""

    def read(response: httpx.Response) -> V:
        raise_for_problem(response)
        view = model.model_validate_json(response.content)
        position = response.headers.get("x-log-position")
        view._answered = Answered(
            status_code=response.status_code,
            etag=response.headers.get("etag"),
            log_position=int(position) if position and position.isdigit() else None,
            replayed=response.headers.get("idempotent-replayed") == "true",
            location=response.headers.get("location"),
            request_id=response.headers.get("x-request-id"),
        )
        return view

    return read


def read_text(response: httpx.Response) -> str:
    raise_for_problem(response)
    return response.text


def read_nothing(response: httpx.Response) -> None:
    """An answer with no body (204): only its problem, if it is one, matters."""
    raise_for_problem(response)


class Attempts:
    """Counts the tries of one call and says how long to wait before the next, if any."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.made = 0

    def after_answer(self, response: httpx.Response) -> float | None:
        """Seconds to wait before trying again, or None: the answer is final."""
        self.made += 1
        if response.status_code not in self.policy.statuses or self._spent():
            return None
        told = retry_after(response.headers.get("retry-after"))
        return min(told, self.policy.max_delay) if told is not None else self._backoff()

    def after_error(self, error: httpx.TransportError, request: httpx.Request) -> float:
        """Seconds to wait before trying again; raises once the tries are spent."""
        self.made += 1
        if self._spent():
            raise ServiceUnreachableError(
                f"the service did not answer after {self.made} tries: {error!r}", request
            ) from error
        return self._backoff()

    def _spent(self) -> bool:
        return self.made >= self.policy.attempts

    def _backoff(self) -> float:
        delay = min(self.policy.backoff * 2.0 ** (self.made - 1), self.policy.max_delay)
        return delay * (1 + random.uniform(0, 0.1))


def retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds: delay-seconds or an HTTP date (RFC 9110, 10.2.3)."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(tz=UTC)).total_seconds())
