"""The application: the use cases of DESIGN.md over the event store.

``CaseTransferApplication`` is eventsourcing's ``Application`` (the repository, the
recorder, the mapper that decrypts) with the service's commands (``commands.py``,
through ``changes.py``) and queries (``queries.py``). It is built once per process by
``service.bootstrap``, which chooses the store from the settings.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder

from service.adapters.append_only import protect_event_tables
from service.adapters.event_store import (
    DateAsISO,
    startup_lock,
    store_errors,
    wait_for_sqlite_writer_as_long_as_for_its_lock,
)
from service.domain.case.date_rules import DEFAULT_TRANSFER_DATE_HORIZON_DAYS
from service.domain.decision_timescales import DecisionTimescales

from .commands import CaseCommands
from .decisions import DecisionCommands, DecisionQueries
from .outcome import utc_now
from .queries import CaseQueries
from .read_cache import CaseReadCache, ChildIndexReadCache


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
        decision_timescales: DecisionTimescales | None = None,
    ) -> None:
        """``index_key`` keys the child index's hash of NHS numbers (``adapters.keys``).
        ``transfer_date_horizon_days``: how far ahead a transfer date may be;
        ``decision_timescales``: when minutes, acknowledgements and stages are due.

        Open every store with the same key: under another key the existing index
        entries are not found (there is no rotation yet). ``read_only`` (with an env
        that creates no tables) opens the store as it is: no start-up lock, no
        triggers installed, so commands that only read run no DDL.
        """
        self.index_key = index_key
        self.transfer_date_horizon_days = transfer_date_horizon_days
        self.decision_timescales = decision_timescales or DecisionTimescales()
        with store_errors():
            if read_only:
                super().__init__(env=env)
            else:
                with startup_lock(env):
                    super().__init__(env=env)
                    protect_event_tables(self)
                    wait_for_sqlite_writer_as_long_as_for_its_lock(self, env)
        self.read_cache = CaseReadCache(self.events)
        self.index_cache = ChildIndexReadCache(self.events)
        self.clock = clock

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
