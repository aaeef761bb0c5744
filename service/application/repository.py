"""The repository commands load aggregates with: eventsourcing's, each event applied by
its own ``mutate`` without a runtime protocol check first.

eventsourcing's default projector (``project_aggregate``) asserts
``isinstance(event, CanMutateProtocol)`` before applying each event. On Python 3.11 an
``isinstance`` against a runtime-checkable ``Protocol`` works out the protocol's
members again at every call, tens of microseconds each, and a transfer step loads
every event of its case: measured in process, about a sixth of a POST's CPU
(``python -m bench.profile_requests``). The events applied here are the store's own,
decoded by their recorded topic; an object without ``mutate`` still fails at once
(AttributeError), as the assertion would have.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from eventsourcing.application import ProjectorFunction, Repository


def apply_events(aggregate: Any, events: Iterable[Any]) -> Any:
    """``aggregate`` (None before the first event) with ``events`` applied in turn."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class EventsRepository(Repository[UUID]):
    """eventsourcing's ``Repository``, applying events with ``apply_events`` by default."""

    def get(
        self,
        aggregate_id: UUID,
        *,
        version: int | None = None,
        projector_func: ProjectorFunction[Any, Any] = apply_events,
        fastforward_skipping: bool = False,
        deepcopy_from_cache: bool = True,
    ) -> Any:
        return super().get(
            aggregate_id,
            version=version,
            projector_func=projector_func,
            fastforward_skipping=fastforward_skipping,
            deepcopy_from_cache=deepcopy_from_cache,
        )
