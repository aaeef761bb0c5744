"""The synchronous client: a method per route of the service's v1 API.

    with CaseTransferClient("https://transfers.example", token) as client:
        case = client.open_case(local_reference="SOM-1", date_of_birth=date(2019, 5, 4))

Each method sends its route's ``Call`` with ``send``: one Idempotency-Key per call,
reused on each retry after a 503 (honouring ``Retry-After``) or a connection error,
as ``retry`` allows. A refusal raises the exception of its family (``errors``).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from typing import ParamSpec, TypeVar

import httpx

from .calls import RETRYABLE_ERRORS, Attempts, Call, RetryPolicy
from .models import Page
from .routes import Routes

P = ParamSpec("P")
T = TypeVar("T")


class CaseTransferClient(Routes):
    """A principal's client of the service; close it (or use ``with``) when done.

    Give ``base_url`` and ``token``, or an ``httpx.Client`` of your own as ``http``
    (its base URL, transport and timeouts are used; the token is still sent).
    """

    def __init__(
        self,
        base_url: str | httpx.URL = "",
        token: str | None = None,
        *,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        http: httpx.Client | None = None,
    ) -> None:
        self._owns_http = http is None
        self.http = http or httpx.Client(base_url=base_url, timeout=timeout)
        self.retry = retry or RetryPolicy()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def __enter__(self) -> CaseTransferClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def send(self, call: Call[T]) -> T:
        """Send ``call``, retrying as ``retry`` allows; its answer read, or its problem raised."""
        request = call.request(self.http, self.headers)
        attempts = Attempts(self.retry)
        while True:
            try:
                response = self.http.send(request)
            except RETRYABLE_ERRORS as error:
                time.sleep(attempts.after_error(error, request))
                continue
            delay = attempts.after_answer(response)
            if delay is None:
                return call.read(response)
            response.close()
            time.sleep(delay)

    def pages(self, call: Call[Page[T]]) -> Iterator[T]:
        """Every item of a list, page after page, from the page ``call`` asks for."""
        while True:
            page = self.send(call)
            yield from page.entries()
            following = page.following()
            if following is None:
                return
            call = call.following(following)

    def method(self, build: Callable[P, Call[T]]) -> Callable[P, T]:
        """The method of a route: send the call ``build`` makes (its parameters, its doc)."""

        def send(*args: P.args, **kwargs: P.kwargs) -> T:
            return self.send(build(*args, **kwargs))

        return functools.wraps(build)(send)

    def iterator(self, build: Callable[P, Call[Page[T]]]) -> Callable[P, Iterator[T]]:
        """The iterator of a list route: every item of every page ``build`` asks for."""

        def iterate(*args: P.args, **kwargs: P.kwargs) -> Iterator[T]:
            return self.pages(build(*args, **kwargs))

        return functools.wraps(build)(iterate)
