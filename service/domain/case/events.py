"""What every event of a case carries: who recorded it, and the names it is stored under.

A case's events are declared beside the commands that record them (``opening.py``,
``assessing.py``, ``transferring.py``) and gathered on ``Case`` (``aggregate.py``). The
topic each is stored under is written out (``TOPIC``) rather than derived from where
its class happens to live: the stored log names its events by these strings, so
moving code must never rename them (``tests/unit/test_persisted_topics.py`` pins them).
"""

from __future__ import annotations

from datetime import timedelta

from eventsourcing.domain import Aggregate

from ..actors import Actor

TOPIC_PREFIX = "service.domain.case:Case"
"""Where the case's events were declared when the first were stored."""


NO_MARGIN = timedelta(0)
"""A change of responsibility without a settle margin (the domain's own tests; the
application passes one: ``Changes._commit_deadline``)."""


def topic(name: str) -> str:
    """The stored topic of the case event ``name``."""
    return f"{TOPIC_PREFIX}.{name}"


class CaseEvent(Aggregate.Event):
    """Base of every case event: each says who recorded it."""

    actor_name: str
    actor_role: str
    actor_authority: str | None

    @property
    def actor(self) -> Actor:
        return Actor(self.actor_name, self.actor_role, self.actor_authority)


def recorded_by(actor: Actor) -> dict[str, str | None]:
    """The actor fields of an event ``actor`` records."""
    return {"actor_name": actor.name, "actor_role": actor.role, "actor_authority": actor.authority}
