"""The typed history entries cover every case event, field for field: a new event, or a
new field of one, fails here until ``service/api/schemas/history_data.py`` documents it."""

from __future__ import annotations

import dataclasses
import typing
from datetime import UTC, datetime
from typing import Any

import pytest

from service.api.schemas.history_data import EVENT_DATA, CaseClosedData, InvitedAgencyData
from service.api.schemas.history_entries import EVENT_TYPES, HISTORY_ENTRIES
from service.domain.case import CASE_TOPICS, Case
from service.domain.case.discussion import Agency

ENVELOPE = {f.name for f in dataclasses.fields(Case.Created)}
"""Which case, which version, when, who, and the created aggregate's topic: not data."""
REFINED: dict[tuple[str, str], Any] = {
    ("StrategyDiscussionConvened", "invited"): list[InvitedAgencyData],  # list[dict[str, str]]
}
"""Fields the API types more closely than the domain does."""


def own_fields(event_type: str) -> dict[str, tuple[Any, bool]]:
    """An event's own fields: their types, and whether the event must carry them."""
    event = getattr(Case, event_type)
    hints = typing.get_type_hints(event)
    return {
        f.name: (hints[f.name], f.default is dataclasses.MISSING)
        for f in dataclasses.fields(event)
        if f.name not in ENVELOPE
    }


def test_every_event_the_log_stores_has_a_history_entry() -> None:
    stored = sorted(topic.rsplit(".", 1)[1] for topic in CASE_TOPICS)

    assert sorted(EVENT_TYPES) == stored
    assert sorted(HISTORY_ENTRIES) == stored


@pytest.mark.parametrize("data", EVENT_DATA, ids=EVENT_TYPES)
def test_each_data_model_has_its_events_fields_and_types(data: type[Any]) -> None:
    event_type = data.__name__.removesuffix("Data")
    documented = {
        name: (field.annotation, field.is_required()) for name, field in data.model_fields.items()
    }
    expected = {
        name: (REFINED.get((event_type, name), annotation), required)
        for name, (annotation, required) in own_fields(event_type).items()
    }

    assert documented == expected


def test_an_invited_agency_has_the_fields_the_domain_gives_one() -> None:
    assert list(InvitedAgencyData.model_fields) == [f.name for f in dataclasses.fields(Agency)]


def test_a_closure_recorded_before_the_settle_margin_has_no_closes_at() -> None:
    legacy = CaseClosedData.model_validate({"reason_code": "RC8"})
    closed = CaseClosedData.model_validate(
        {"reason_code": "RC8", "closes_at": datetime(2026, 1, 5, 9, 0, tzinfo=UTC)}
    )

    assert legacy.model_dump(mode="json") == {"reason_code": "RC8"}
    assert closed.model_dump(mode="json") == {
        "reason_code": "RC8",
        "closes_at": "2026-01-05T09:00:00Z",
    }
