"""The case aggregate: one child's case and every step of its transfers.

``Case`` gathers its parts, each declaring its events beside the commands that
record them: ``Opening`` (open, local references, close), ``Assessing``,
``Transferring`` and ``Dating`` (its date), and the decisions on the record,
``Discussing`` (strategy discussions), ``Minuting`` (their minutes and dissents) and
``Differing`` (professional differences).
Commands check the rules (``rules.py``, ``decision_rules.py``) against the state the
events have built (``state.py``) and then trigger one event (an acceptance that names
open matters, rule 15, triggers two, saved together); events only change state, so
replaying them always rebuilds the same case. Every command takes ``now``, the instant
the store records the step: the domain never reads a clock, which is what lets tests
(and replay) ask "who was responsible at T, as the record stood at K" deterministically.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

from eventsourcing.domain import Aggregate

from .assessing import Assessing
from .dating import Dating
from .differences import Differing
from .discussions import Discussing
from .events import TOPIC_PREFIX, CaseEvent, topic
from .minutes import Minuting
from .open_matters import NamingOpenMatters
from .opening import Opening
from .transferring import Transferring


class Case(
    Opening,
    Assessing,
    Transferring,
    Dating,
    NamingOpenMatters,
    Discussing,
    Minuting,
    Differing,
    Aggregate,
):
    """A child in need's case: who is responsible for it, and how responsibility moves.

    Each part is a direct base: the library redefines on the aggregate only the events
    of its direct bases (``NamingOpenMatters`` is also ``Transferring``'s base)."""

    TOPIC = TOPIC_PREFIX

    if TYPE_CHECKING:
        # The library redefines each part's events on the aggregate as subclasses of
        # both ``Case.Event`` and the part's class: a type checker cannot see that, so
        # it is told the truth it can use: every case event is a ``CaseEvent``.
        Event: TypeAlias = CaseEvent
    else:

        class Event(CaseEvent):
            """Base of every case event (the parts' events are redefined on it)."""

    class Created(Event, Aggregate.Created):
        """The library's default creation event; a case is created by ``CaseOpened``."""

        TOPIC = topic("Created")

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        """Refuse to record a step before the last one: recorded time only runs forwards.

        Rule 3 (the past never changes) and ``as_known_at`` replay rely on each case's
        events being in time order; the application passes ``max(clock, modified_on)``.
        """
        if kwargs["timestamp"] < self.modified_on:
            raise ValueError("a case's events must be recorded in time order")
        super().trigger_event(event_class, **kwargs)


CASE_TOPICS: tuple[str, ...] = tuple(
    str(getattr(value, "TOPIC"))  # noqa: B009 - declared on each event class, not on Event
    for name, value in vars(Case).items()
    if isinstance(value, type)
    and issubclass(value, Case.Event)
    and name not in ("Event", "Created")
)
"""The stored topics of every event a case records: how the log's readers (read models,
the event feed, exports) pick case events out of the log."""
