"""Recomputes the chain from the event store and finds the first place it disagrees.

The store's events are re-hashed in log order (``chain``'s spec) and merged, position
by position, with the ledger's rows up to the ledger's position; the first position
where they differ is named, with what differs:

- **altered**: the same event (aggregate and version) is there, but its hash is not
  the ledger's: its stored bytes, its topic or its recorded time changed, or its bytes
  no longer decode;
- **swapped**: as altered, and the content now there is what the ledger recorded at
  another position (two rows exchanged state and topic);
- **deleted**: the ledger has an event at this position and the store has none, or
  the store has here an event the ledger recorded further on (later ones renumbered);
- **inserted**: the store has an event at a position, below the ledger's, that the
  ledger never chained (in a gap, with later events renumbered, or below position 1,
  where the ledger never looks: every stored row is read, whatever its position);
- **ledger-altered**: the ledger's own links do not chain: its table was edited;
- **undecodable**: an event the ledger has not reached yet does not decode;
- **rewritten**: the store and the ledger agree, but not with a signed checkpoint, so
  both were rewritten together (only checkpoints held elsewhere can show this); a
  checkpoint beyond the store's last position is **deleted** (the end was cut off);
- **checkpoint refused**: its signature does not verify with a current or retired key.

Limits, stated plainly. An event appended at the very end of the log, after the
ledger's position, cannot be told from a real one: the ledger has not yet vouched for
anything there. The ledger is fed continuously, and checkpoints that partners keep
narrow that window (and cover the case where the operator rewrote store and ledger
together). It reads the store and the ledger and changes neither: it never feeds
the ledger. The events table is the record, and every row of it is read, whatever its
position; so is every row of the ledger. Snapshots (``application.snapshots``) are
not read here: a cache the read cache's first reads start from, kept only with an
encryption key (AES-GCM authenticates them) and used only if they match the stored
event at their version; someone holding both the key and the database could still
store one that is not checked here (``CASE_TRANSFER_SNAPSHOT_INTERVAL=0`` stops
their use).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from uuid import UUID

from sqlalchemy import ColumnElement, Engine, select

from service.adapters.event_store import store_errors
from service.adapters.sql import sql_errors
from service.adapters.tables import LEDGER, ledger, positions
from service.application import CaseTransferApplication

from .chain import EventFacts, event_sha256
from .compare import (
    Finding,
    LedgerLink,
    LedgerRow,
    Report,
    StoredLink,
    Tracker,
    compare,
    uuid_of,
)
from .recompute import recompute
from .signing import Checkpoint, CheckpointRefusedError, SigningKeys

__all__ = ["Report", "verify"]

Show = Callable[[int, int], None]
"""Told (position reached, head) after each batch: the CLI's progress bar."""


def ledger_position(engine: Engine) -> int:
    """How far the ledger has chained (its row of ``rm_positions``)."""
    with sql_errors(), engine.connect() as connection:
        value = connection.scalar(select(positions.c.position).where(positions.c.name == LEDGER))
    return int(value or 0)


def ledger_links(engine: Engine, *, upto: int, batch: int = 5000) -> Iterator[LedgerLink]:
    """The ledger's links up to ``upto``, in order, a batch per short read."""
    columns = (ledger.c.position, ledger.c.event_sha256, ledger.c.chain_sha256)
    after: int | None = None  # from the lowest row, whatever its position
    while True:
        statement = select(*columns).where(ledger.c.position <= upto)
        if after is not None:
            statement = statement.where(ledger.c.position > after)
        statement = statement.order_by(ledger.c.position).limit(batch)
        with sql_errors(), engine.connect() as connection:
            rows = [
                LedgerLink(int(p), bytes(e), bytes(c)) for p, e, c in connection.execute(statement)
            ]
        yield from rows
        if len(rows) < batch:
            return
        after = rows[-1].position


class LedgerLookup:
    """The ledger table read to name a disagreement (``compare.Lookup``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def row(self, position: int) -> LedgerRow:
        return self._rows(ledger.c.position == position)[0]

    def position_of(self, originator_id: UUID | str, version: int) -> int | None:
        """Where the ledger chained this aggregate's ``version``, if anywhere."""
        rows = self._rows(
            ledger.c.originator_id == uuid_of(originator_id), ledger.c.originator_version == version
        )
        return rows[0].position if rows else None

    def source_of(self, stored: StoredLink) -> int | None:
        """The other position whose chained content ``stored`` now holds, if any."""
        if stored.recorded_at is None:
            return None
        for row in self._rows(
            ledger.c.topic == stored.notification.topic,
            ledger.c.recorded_at == stored.recorded_at,
            ledger.c.position != stored.position,
        ):
            facts = EventFacts(
                row.position, row.originator_id, row.originator_version, row.topic, row.recorded_at
            )
            if event_sha256(facts, stored.notification.state) == row.event_sha256:
                return row.position
        return None

    def _rows(self, *conditions: ColumnElement[bool]) -> list[LedgerRow]:
        statement = select(ledger).where(*conditions).order_by(ledger.c.position)
        with sql_errors(), self.engine.connect() as connection:
            return [
                LedgerRow(int(p), o, int(v), t, r, bytes(e), bytes(c))
                for p, o, v, t, r, e, c in connection.execute(statement)
            ]


def verify(
    application: CaseTransferApplication,
    engine: Engine,
    *,
    checkpoint: Checkpoint | None = None,
    keys: SigningKeys | None = None,
    show: Show | None = None,
) -> Report:
    """Recompute the whole chain once; compare with the ledger and, if given, a checkpoint.

    A checkpoint is checked first: one whose signature does not verify with a current
    or retired key is refused before anything is read.
    """
    if checkpoint is not None:
        try:
            (keys or SigningKeys(None)).check(checkpoint)
        except CheckpointRefusedError as error:
            return Report(0, 0, 0, Finding(None, "checkpoint refused", str(error)), checkpoint)
    upto = ledger_position(engine)  # before the head: everything chained is in the store
    with store_errors():
        head = int(application.recorder.max_notification_id() or 0)
    seen = Tracker(recompute(application, stop=head, show=show), upto, checkpoint)
    finding = compare(seen, ledger_links(engine, upto=upto), upto=upto, lookup=LedgerLookup(engine))
    if finding is None:
        finding = seen.drain()
    if finding is None and checkpoint is not None:
        finding = seen.against(checkpoint, head)
    return Report(seen.events, head, upto, finding, checkpoint, seen.unledgered)
