"""The asynchronous client: the same methods as ``CaseTransferClient``, awaited.

    async with AsyncCaseTransferClient("https://transfers.example", token) as client:
        case = await client.open_case(local_reference="SOM-1", date_of_birth=date(2019, 5, 4))
        async for transfer in client.iter_transfers(direction="incoming"):
            ...

Runs on asyncio or trio (through anyio, as httpx does).
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

import anyio
import httpx

from .calls import RETRYABLE_ERRORS, Attempts, Call, RetryPolicy
from .models import Page
from .routes import Routes

P = ParamSpec("P")
T = TypeVar("T")


class AsyncCaseTransferClient(Routes):
    """A principal's asynchronous client; close it (``await aclose()``) or use ``async with``.

    Give ``base_url`` and ``token``, or an ``httpx.AsyncClient`` of your own as ``http``.
    """

    def __init__(
        self,
        base_url: str | httpx.URL = "",
        token: str | None = None,
        *,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._owns_http = http is None
        self.http = http or httpx.AsyncClient(base_url=base_url, timeout=timeout)
        self.retry = retry or RetryPolicy()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def __aenter__(self) -> AsyncCaseTransferClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_http:
            await self.http.aclose()

    async def send(self, call: Call[T]) -> T:
        """Send ``call``, retrying as ``retry`` allows; its answer read, or its problem raised."""
        request = call.request(self.http, self.headers)
        attempts = Attempts(self.retry)
        while True:
            try:
                response = await self.http.send(request)
            except RETRYABLE_ERRORS as error:
                await anyio.sleep(attempts.after_error(error, request))
                continue
            delay = attempts.after_answer(response)
            if delay is None:
                return call.read(response)
            await response.aclose()
            await anyio.sleep(delay)

    async def pages(self, call: Call[Page[T]]) -> AsyncIterator[T]:
        """Every item of a list, page after page, from the page ``call`` asks for."""
        while True:
            page = await self.send(call)
            for item in page.entries():
                yield item
            following = page.following()
            if following is None:
                return
            call = call.following(following)

    def method(self, build: Callable[P, Call[T]]) -> Callable[P, Coroutine[Any, Any, T]]:
        """The method of a route: send the call ``build`` makes (its parameters, its doc)."""

        async def send(*args: P.args, **kwargs: P.kwargs) -> T:
            return await self.send(build(*args, **kwargs))

        return functools.wraps(build)(send)

    def iterator(self, build: Callable[P, Call[Page[T]]]) -> Callable[P, AsyncIterator[T]]:
        """The iterator of a list route: every item of every page ``build`` asks for."""

        def iterate(*args: P.args, **kwargs: P.kwargs) -> AsyncIterator[T]:
            return self.pages(build(*args, **kwargs))

        return functools.wraps(build)(iterate)
