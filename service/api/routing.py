"""The API's route class: a route's blocking work goes to the thread pool once, not twice.

FastAPI runs a plain ``def`` route in the thread pool, then validates its answer
against the response model in the thread pool again: two hand-offs per request, each a
queue put, a worker woken and the GIL passed back and forth, which under load cost
more than the lookup itself (``bench/results/profile-lookup-before.txt``).
``OneHandOffRoute`` serves such a route as a coroutine that runs the function in the
thread pool and returns its answer on the event loop, where FastAPI then validates and
serialises it without another hand-off. The function's signature, name, docstring and
return annotation are kept (``functools.wraps``), so its dependencies, operation id,
description and response model, and so the OpenAPI document, are unchanged. Its work
stays off the event loop: a store that stops answering still holds a worker thread,
never the loop, and ``StoreBudget`` can still answer 503 in time.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool


def in_the_thread_pool(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """``endpoint`` as a coroutine function running it in the thread pool (if it is sync)."""
    if inspect.iscoroutinefunction(endpoint):
        return endpoint

    @functools.wraps(endpoint)
    async def run(*args: Any, **kwargs: Any) -> Any:
        return await run_in_threadpool(endpoint, *args, **kwargs)

    return run


class OneHandOffRoute(APIRoute):
    """An ``APIRoute`` whose sync endpoint goes to the thread pool once per request."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, in_the_thread_pool(endpoint), **kwargs)
