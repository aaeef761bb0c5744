"""Snapshots of cases: a cache of a long case's state in the store, never its record.

A cold read (the first since the process started, or since the read cache let the case
go) used to replay every event of the case: for a case with a thousand events, tens of
times a warm read. With ``CASE_TRANSFER_SNAPSHOT_INTERVAL`` set to N (default 100,
``0`` turns snapshots off), a save that carries a case past a multiple of N also puts a
snapshot of the case as its stored events rebuild it (``take_after_save``), after
they have committed:
a snapshot that cannot be taken is logged and skipped, never failing the command. A
cold read (``read_cache.CaseReadCache``) then starts from the newest snapshot and
applies only the events after it (``start_from``).

The events stay the only source of truth. Only the read cache uses snapshots: commands
(the repository), reads as known at an earlier moment, the history, ``verify``,
``export``, the ledger, the event feed and ``replay`` read the events alone. And a
snapshot is used only if it proves to belong to the case's history (``start_from``):
it decodes in full with the service's own encoding (``snapshot_codec``), names this
case at a version, and the event stored at that version is the one the snapshot's
state last applied (same instant). Otherwise the read replays every event, as without
snapshots. Snapshots are stored in the library's snapshots table through the same
mapper as events, so compressed and encrypted (AES-GCM) alike, and that table is
append-only like the events' (``adapters.append_only``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from uuid import UUID

from eventsourcing.domain import Snapshot
from eventsourcing.persistence import EventStore
from eventsourcing.utils import get_topic

from service.domain.case import Case

from .snapshot_codec import FORMAT, SnapshotCodecError, pack, unpack

log = logging.getLogger(__name__)

DEFAULT_SNAPSHOT_INTERVAL = 100
_NOT_STATE = ("_id", "_version", "_pending_events")


class CaseSnapshot(Snapshot):
    """A case's state at a version, in ``snapshot_codec``'s encoding."""

    @classmethod
    def take(cls, aggregate: Any) -> CaseSnapshot:
        """The snapshot of ``aggregate`` (a case with no pending events) as it stands."""
        if not isinstance(aggregate, Case) or aggregate.pending_events:
            raise SnapshotCodecError("only a saved case is snapshotted")
        state = {k: v for k, v in vars(aggregate).items() if k not in _NOT_STATE}
        return cls(
            originator_id=aggregate.id,
            originator_version=aggregate.version,
            timestamp=cls.create_timestamp(),
            topic=get_topic(Case),
            state={"format": FORMAT, "state": pack(state)},
        )

    def restore(self, case_id: UUID) -> Case:
        """The case this snapshot holds; SnapshotCodecError if it is not one of ``case_id``."""
        if self.originator_id != case_id or type(self.originator_version) is not int:
            raise SnapshotCodecError("a snapshot of another case")
        if self.originator_version < 1 or self.topic != get_topic(Case):
            raise SnapshotCodecError("not a snapshot of a case")
        if type(self.state) is not dict or self.state.get("format") != FORMAT:
            raise SnapshotCodecError("a snapshot in another format")
        state = unpack(self.state.get("state"))
        if type(state) is not dict or any(key in state for key in _NOT_STATE):
            raise SnapshotCodecError("a snapshot's state is not a case's")
        case = object.__new__(Case)
        vars(case).update(state)
        vars(case).update(_id=case_id, _version=self.originator_version, _pending_events=[])
        return case


def take_after_save(
    snapshots: EventStore[UUID],
    interval: int,
    cases: list[tuple[Case, int]],
    replayed: Callable[[UUID, int], Case],
) -> None:
    """Snapshot each saved case whose save took it past a multiple of ``interval``.

    ``cases``: each case as saved, with its version before the save. Called after the
    save committed. The snapshot is of the case as its stored events rebuild it
    (``replayed``: every event up to that version), not of the object the command
    changed: what is cached is what a replay would give. Any failure is logged and
    the snapshot skipped.
    """
    for case, before in cases:
        if interval <= 0 or case.version // interval <= before // interval:
            continue
        try:
            snapshots.put([CaseSnapshot.take(replayed(case.id, case.version))])
        except Exception:  # a snapshot is a cache: nothing may fail a command
            log.warning(
                "snapshot of case %s at version %s not taken", case.id, case.version, exc_info=True
            )


def start_from(snapshots: EventStore[UUID], events: EventStore[UUID], case_id: UUID) -> Case | None:
    """The case as its newest snapshot holds it, brought forward by every event stored
    after it, if that snapshot is sound and belongs to the stored history; otherwise None
    (and the caller replays every event).

    One query reads the event at the snapshot's version (the proof it belongs) and the
    events after it, so the case returned is as current as a read of every event.
    """
    try:
        found = list(snapshots.get(case_id, desc=True, limit=1))
        if not found:
            return None
        snapshot = found[0]
        if not isinstance(snapshot, CaseSnapshot):
            raise SnapshotCodecError("not a case snapshot")
        case = snapshot.restore(case_id)
        version = case.version
        stored = iter(events.get(case_id, gt=version - 1))
        last = next(stored, None)
        if not isinstance(last, Case.Event) or last.originator_version != version:
            raise SnapshotCodecError("no event at the snapshot's version")
        if last.timestamp != case.modified_on:
            raise SnapshotCodecError("a snapshot of another history")
        brought: Case | None = case
        for event in stored:
            brought = event.mutate(brought) if isinstance(event, Case.Event) else None
        if not isinstance(brought, Case):
            raise SnapshotCodecError("an event of another kind after the snapshot")
        return brought
    except Exception:  # whatever is wrong with a snapshot, the events answer
        log.warning("snapshot of case %s not used: replaying its events", case_id, exc_info=True)
        return None
