"""A case's events as the API lists them, typed by event: one model per event type, in a
union discriminated by ``type``.

The case history and the event feed list the same events with different surroundings
(the feed adds the log position and the case), so each gives its own base and gets its
variants from ``variants``: one per model of ``history_data.EVENT_DATA``, whose ``type``
is the event's name and whose ``data`` is that model. ``EVENT_DATA`` is the one list of
the event types the API documents; a test compares it with the topics the event log
stores (``service.domain.case.CASE_TOPICS``), so a new event cannot go undocumented.

In the OpenAPI document the union is a ``oneOf`` with a ``discriminator`` mapping each
``type`` to its model, so a generated client can switch on it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar, Union

from pydantic import BaseModel, Field, create_model

from .common import Actor
from .history_data import EVENT_DATA, EventData

Entry = TypeVar("Entry", bound=BaseModel)

EVENT_TYPES: tuple[str, ...] = tuple(model.__name__.removesuffix("Data") for model in EVENT_DATA)
"""The name of every case event the API documents, as entries give it in ``type``."""


class HistoryEntryFields(BaseModel):
    """What every entry of a case's history has; each event type narrows ``type`` and
    ``data`` (``variants``)."""

    version: int
    type: str
    recorded_at: datetime
    actor: Actor | None
    data: EventData


def variants(base: type[Entry], suffix: str) -> dict[str, type[Entry]]:
    """A model for each event type, ``{type}{suffix}``, under ``base``: its ``type`` is
    the event's name and its ``data`` the event's own model."""
    models = {}
    for name, data in zip(EVENT_TYPES, EVENT_DATA, strict=True):
        named: Any = Literal[name]  # a type made at run time: mypy cannot check it
        models[name] = create_model(
            f"{name}{suffix}",
            __base__=base,
            __doc__=f"A {name} event. {data.__doc__ or ''}".strip(),
            type=(named, ...),
            data=(data, ...),
        )
    return models


def discriminated(models: dict[str, type[Entry]]) -> Any:
    """The union of ``models``, told apart by ``type``."""
    return Annotated[Union[tuple(models.values())], Field(discriminator="type")]  # noqa: UP007


HISTORY_ENTRIES = variants(HistoryEntryFields, "Entry")
"""The history entry model of each event type, by type."""
