"""The synchronous client: a method per route of the service's v1 API.

    with CaseTransferClient("https://transfers.example", token) as client:
        case = client.open_case(local_reference="SOM-1", nhs_number="9434765919")

Each method sends its route's ``Call`` with ``send``: one Idempotency-Key per call,
reused on each retry after a 503 (honouring ``Retry-After``) or a connection error,
as ``retry`` allows. A refusal raises the exception of its family (``errors``).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from typing import Concatenate, ParamSpec, TypeVar

import httpx

from . import case_routes as cases
from . import list_routes as lists
from . import transfer_routes as transfers
from .calls import RETRYABLE_ERRORS, Attempts, Call, RetryPolicy
from .models import Page

P = ParamSpec("P")
T = TypeVar("T")


def _method(build: Callable[P, Call[T]]) -> Callable[Concatenate[CaseTransferClient, P], T]:
    """A client method that sends the call ``build`` makes (its parameters, its docstring)."""

    def method(self: CaseTransferClient, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return self.send(build(*args, **kwargs))

    return functools.wraps(build)(method)


def _pages(
    build: Callable[P, Call[Page[T]]],
) -> Callable[Concatenate[CaseTransferClient, P], Iterator[T]]:
    """A client method iterating over every item of the list ``build`` asks for."""

    def iterate(self: CaseTransferClient, /, *args: P.args, **kwargs: P.kwargs) -> Iterator[T]:
        return self.pages(build(*args, **kwargs))

    iterate = functools.wraps(build)(iterate)
    iterate.__doc__ = f"Every item of every page of: {build.__doc__}"
    return iterate


class CaseTransferClient:
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

    # ---- a method per route (see the route modules for each one's parameters) ----
    list_authorities = _method(cases.list_authorities)
    caseload = _method(cases.caseload)
    iter_caseload = _pages(cases.caseload)
    open_case = _method(cases.open_case)
    find_cases = _method(cases.find_cases)
    iter_cases = _pages(cases.find_cases)
    get_case = _method(cases.get_case)
    responsibility = _method(cases.responsibility)
    timeline = _method(cases.timeline)
    history = _method(cases.history)
    history_csv = _method(cases.history_csv)
    record_local_reference = _method(cases.record_local_reference)
    record_assessment = _method(cases.record_assessment)
    close_case = _method(cases.close_case)
    propose_transfer = _method(transfers.propose_transfer)
    get_transfer = _method(transfers.get_transfer)
    share_information = _method(transfers.share_information)
    confirm_information_received = _method(transfers.confirm_information_received)
    propose_transfer_date = _method(transfers.propose_transfer_date)
    agree_transfer_date = _method(transfers.agree_transfer_date)
    accept_transfer = _method(transfers.accept_transfer)
    decline_transfer = _method(transfers.decline_transfer)
    withdraw_transfer = _method(transfers.withdraw_transfer)
    list_transfers = _method(lists.list_transfers)
    iter_transfers = _pages(lists.list_transfers)
    worklist = _method(lists.worklist)
    iter_worklist = _pages(lists.worklist)
    event_feed = _method(lists.event_feed)
    iter_events = _pages(lists.event_feed)
    access_log = _method(lists.access_log)
    iter_access_log = _pages(lists.access_log)
    ledger_checkpoint = _method(lists.ledger_checkpoint)
    ledger_keys = _method(lists.ledger_keys)
    live = _method(lists.live)
    ready = _method(lists.ready)
