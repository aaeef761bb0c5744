"""The chain recomputed from the event store alone, writing nothing (for ``verify``).

Each event is hashed as the ledger hashes it (``chain.py``'s spec), in log order,
without reading the ledger, so what the store holds can be compared with what the
ledger vouched for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from uuid import UUID

from eventsourcing.application import Application

from service.adapters.event_store import store_errors

from .chain import GENESIS, chain_sha256, event_sha256
from .compare import StoredLink
from .ledger import UndecodableEventError, facts_of


def recompute(
    application: Application[UUID],
    *,
    stop: int,
    batch: int = 1000,
    show: Callable[[int, int], None] | None = None,
) -> Iterator[StoredLink]:
    """The chain recomputed from the store up to ``stop``, in log order, writing nothing.

    Every row is read, from the lowest position stored, not from position 1: a row
    slipped in below the log's first position (issue 15) is recomputed and compared
    like any other, so ``verify`` names it.

    ``show`` is told (position, stop) after each batch. After an event whose bytes do
    not decode the chain cannot go on (its recorded time is unknown): later events
    keep their own hash but have no chain value.
    """
    previous: bytes | None = GENESIS
    position: int | None = None  # the first batch from the lowest row, whatever its position
    while position is None or position < stop:
        with store_errors():
            notifications = application.recorder.select_notifications(
                start=position, stop=stop, limit=batch, inclusive_of_start=False
            )
        if not notifications:
            break
        for notification in notifications:
            try:
                facts = facts_of(application.mapper, notification)
            except UndecodableEventError as error:
                previous = None
                yield StoredLink(notification, None, None, None, str(error))
                continue
            own = event_sha256(facts, notification.state)
            previous = chain_sha256(previous, own) if previous is not None else None
            yield StoredLink(notification, facts.recorded_at, own, previous)
        position = notifications[-1].id
        if show is not None:
            show(position, stop)
