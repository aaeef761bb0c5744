"""Every route, declared once as a method of both clients.

``Routes`` lists the methods; ``CaseTransferClient`` and ``AsyncCaseTransferClient``
inherit them. Each is a descriptor that, read from a client, gives that client's
method: the sync client sends the route's ``Call`` and answers its view, the async
client answers a coroutine of it. Parameters and docstrings are the route functions'
(``case_routes``, ``transfer_routes``, ``decision_routes``, ``list_routes``,
``subscription_routes``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar, overload

from . import case_routes as cases
from . import decision_routes as decisions
from . import list_routes as lists
from . import subscription_routes as subscriptions
from . import transfer_routes as transfers
from .calls import Call
from .models import Page

if TYPE_CHECKING:
    from .async_client import AsyncCaseTransferClient
    from .client import CaseTransferClient

P = ParamSpec("P")
T = TypeVar("T")


class Route(Generic[P, T]):
    """A client method sending the call ``build`` makes."""

    def __init__(self, build: Callable[P, Call[T]]) -> None:
        self.build = build
        self.__doc__ = build.__doc__

    @overload
    def __get__(self, client: None, owner: type[Any]) -> Route[P, T]: ...
    @overload
    def __get__(
        self, client: AsyncCaseTransferClient, owner: type[Any]
    ) -> Callable[P, Coroutine[Any, Any, T]]: ...
    @overload
    def __get__(self, client: CaseTransferClient, owner: type[Any]) -> Callable[P, T]: ...
    def __get__(self, client: Any, owner: type[Any]) -> Any:
        return self if client is None else client.method(self.build)


class Pages(Generic[P, T]):
    """A client method iterating over every item of every page of a list."""

    def __init__(self, build: Callable[P, Call[Page[T]]]) -> None:
        self.build = build
        self.__doc__ = f"Every item of every page of: {build.__doc__}"

    @overload
    def __get__(self, client: None, owner: type[Any]) -> Pages[P, T]: ...
    @overload
    def __get__(
        self, client: AsyncCaseTransferClient, owner: type[Any]
    ) -> Callable[P, AsyncIterator[T]]: ...
    @overload
    def __get__(self, client: CaseTransferClient, owner: type[Any]) -> Callable[P, Iterator[T]]: ...
    def __get__(self, client: Any, owner: type[Any]) -> Any:
        return self if client is None else client.iterator(self.build)


class Routes:
    """A method per route of the service's v1 API (see the route modules for each)."""

    list_authorities = Route(cases.list_authorities)
    caseload = Route(cases.caseload)
    iter_caseload = Pages(cases.caseload)
    open_case = Route(cases.open_case)
    find_cases = Route(cases.find_cases)
    iter_cases = Pages(cases.find_cases)
    find_child_cases = Route(cases.find_child_cases)
    find_cases_by_local_reference = Route(cases.find_cases_by_local_reference)
    iter_cases_by_local_reference = Pages(cases.find_cases_by_local_reference)
    get_case = Route(cases.get_case)
    responsibility = Route(cases.responsibility)
    timeline = Route(cases.timeline)
    history = Route(cases.history)
    history_csv = Route(cases.history_csv)
    record_local_reference = Route(cases.record_local_reference)
    record_assessment = Route(cases.record_assessment)
    close_case = Route(cases.close_case)
    propose_transfer = Route(transfers.propose_transfer)
    get_transfer = Route(transfers.get_transfer)
    share_information = Route(transfers.share_information)
    confirm_information_received = Route(transfers.confirm_information_received)
    propose_transfer_date = Route(transfers.propose_transfer_date)
    agree_transfer_date = Route(transfers.agree_transfer_date)
    accept_transfer = Route(transfers.accept_transfer)
    decline_transfer = Route(transfers.decline_transfer)
    withdraw_transfer = Route(transfers.withdraw_transfer)
    convene_discussion = Route(decisions.convene_discussion)
    list_discussions = Route(decisions.list_discussions)
    get_discussion = Route(decisions.get_discussion)
    record_discussion_outcome = Route(decisions.record_discussion_outcome)
    circulate_minutes = Route(decisions.circulate_minutes)
    acknowledge_minutes = Route(decisions.acknowledge_minutes)
    record_dissent = Route(decisions.record_dissent)
    withdraw_dissent = Route(decisions.withdraw_dissent)
    raise_difference = Route(decisions.raise_difference)
    list_differences = Route(decisions.list_differences)
    get_difference = Route(decisions.get_difference)
    respond_to_difference = Route(decisions.respond_to_difference)
    escalate_difference = Route(decisions.escalate_difference)
    resolve_difference = Route(decisions.resolve_difference)
    close_difference_unresolved = Route(decisions.close_difference_unresolved)
    list_transfers = Route(lists.list_transfers)
    iter_transfers = Pages(lists.list_transfers)
    worklist = Route(lists.worklist)
    iter_worklist = Pages(lists.worklist)
    event_feed = Route(lists.event_feed)
    iter_events = Pages(lists.event_feed)
    access_log = Route(lists.access_log)
    iter_access_log = Pages(lists.access_log)
    ledger_checkpoint = Route(lists.ledger_checkpoint)
    ledger_keys = Route(lists.ledger_keys)
    live = Route(lists.live)
    ready = Route(lists.ready)
    register_subscription = Route(subscriptions.register_subscription)
    list_subscriptions = Route(subscriptions.list_subscriptions)
    get_subscription = Route(subscriptions.get_subscription)
    delete_subscription = Route(subscriptions.delete_subscription)
    ping_subscription = Route(subscriptions.ping_subscription)
    rotate_subscription_secret = Route(subscriptions.rotate_subscription_secret)
    deliveries = Route(subscriptions.deliveries)
    iter_deliveries = Pages(subscriptions.deliveries)
    retry_delivery = Route(subscriptions.retry_delivery)
