"""The application: the use cases of DESIGN.md over the event store.

``CaseTransferApplication`` is eventsourcing's ``Application`` (the repository, the
recorder, the mapper that decrypts) with the service's commands (``commands.py``,
through ``changes.py``) and queries (``queries.py``). It is built once per process by
``service.bootstrap``, which chooses the store from the settings.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.application import Application, Repository
from eventsourcing.persistence import InfrastructureFactory, JSONTranscoder, Recording
from eventsourcing.utils import Environment

from service.adapters.append_only import protect_event_tables
from service.adapters.event_store import (
    DateAsISO,
    startup_lock,
    store_errors,
    wait_for_sqlite_writer_as_long_as_for_its_lock,
)
from service.adapters.store_waits import bound_event_store_waits
from service.domain.case import Case
from service.domain.case.date_rules import DEFAULT_TRANSFER_DATE_HORIZON_DAYS
from service.domain.decision_timescales import DecisionTimescales

from .commands import CaseCommands
from .decisions import DecisionCommands, DecisionQueries
from .outcome import utc_now
from .queries import CaseQueries
from .read_cache import CaseReadCache, ChildIndexReadCache
from .repository import EventsRepository
from .snapshots import take_after_save

DEFAULT_SETTLE_MARGIN = timedelta(seconds=5)


class CaseTransferApplication(
    CaseCommands, DecisionCommands, CaseQueries, DecisionQueries, Application[UUID]
):
    """Commands and queries over the cases of every authority."""

    def __init__(
        self,
        env: dict[str, str],
        clock: Callable[[], datetime] = utc_now,
        *,
        index_key: bytes,
        read_only: bool = False,
        transfer_date_horizon_days: int = DEFAULT_TRANSFER_DATE_HORIZON_DAYS,
        store_timeout_seconds: int = 10,
        settle_margin: timedelta = DEFAULT_SETTLE_MARGIN,
        decision_timescales: DecisionTimescales | None = None,
        snapshot_interval: int = 0,
    ) -> None:
        """``index_key`` keys the child index's hash of NHS numbers (``adapters.keys``).
        ``transfer_date_horizon_days``: how far ahead a transfer date may be.
        ``store_timeout_seconds``: the bound of every wait on PostgreSQL (``store_waits``).
        ``settle_margin``: how long after it is recorded an acceptance for today takes
        effect; its commit must come in the first half (``Changes._commit_deadline``).
        ``decision_timescales``: when minutes, acknowledgements and stages are due.
        ``snapshot_interval``: snapshot a case at every this many events, for the read
        cache's first reads (``snapshots.py``); 0, ``read_only`` or no cipher keeps none.

        Open every store with the same key: under another key the existing index
        entries are not found (there is no rotation yet). ``read_only`` (with an env
        that creates no tables) opens the store as it is: no start-up lock, no
        triggers installed, so commands that only read run no DDL.
        """
        self.index_key = index_key
        self.transfer_date_horizon_days = transfer_date_horizon_days
        self.store_timeout_seconds = store_timeout_seconds
        self.settle_margin = settle_margin
        self.decision_timescales = decision_timescales or DecisionTimescales()
        # Only where they are encrypted (AES-GCM authenticates them): a snapshot stored in
        # clear could be forged by whoever can write the database, and ``verify`` does not
        # read snapshots.
        keeps_snapshots = not read_only and bool(env.get("CIPHER_TOPIC"))
        self.snapshot_interval = max(0, snapshot_interval) if keeps_snapshots else 0
        # The library's snapshots table (made, and made append-only, like the events'):
        # never on a read-only store, whose commands read the events alone.
        env = {**env, "IS_SNAPSHOTTING_ENABLED": "y" if self.snapshot_interval else "n"}
        with store_errors():
            if read_only:
                super().__init__(env=env)
            else:
                with startup_lock(env):
                    super().__init__(env=env)
                    protect_event_tables(self)
                    wait_for_sqlite_writer_as_long_as_for_its_lock(self, env)
        self.read_cache = CaseReadCache(self.events, snapshots=self.snapshots)
        self.index_cache = ChildIndexReadCache(self.events)
        self.clock = clock

    def construct_factory(self, env: Environment) -> InfrastructureFactory:
        """The library's factory, its PostgreSQL pool's waits bounded before it opens."""
        factory = super().construct_factory(env)
        bound_event_store_waits(factory, self.store_timeout_seconds)
        return factory

    def construct_repository(self) -> Repository[UUID]:
        """The library's repository without snapshots or a cache of aggregates: commands
        load the events alone, each applied without a protocol check (``repository.py``)."""
        return EventsRepository(self.events)

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """Save, then snapshot each case the save took past a multiple of the interval."""
        cases = [(o, o.version - len(o.pending_events)) for o in objs if isinstance(o, Case)]
        recordings = super().save(*objs, **kwargs)
        if self.snapshots is not None and self.snapshot_interval:
            take_after_save(self.snapshots, self.snapshot_interval, cases, self._replayed_to)
        return recordings

    def _replayed_to(self, case_id: UUID, version: int) -> Case:
        """The case from its stored events up to ``version`` (the repository: no snapshot)."""
        case: Case = self.repository.get(case_id, version=version)
        return case

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
