"""The client types the data of every event type the service's OpenAPI document lists,
with the document's fields: a new event type or field fails here until it is written in
``event_data.py``. A type the client does not know keeps its data as it came."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from case_transfer_client.event_data import BY_TYPE, InvitedAgencyData
from case_transfer_client.models import HistoryEntry

DOCUMENT = Path(__file__).parents[3] / "openapi" / "openapi.json"
SCHEMAS: dict[str, Any] = json.loads(DOCUMENT.read_text(encoding="utf-8"))["components"]["schemas"]


def data_schema(container: str, event_type: str) -> dict[str, Any]:
    """The schema of ``event_type``'s data in the list of ``container``'s events."""
    mapping = SCHEMAS[container]["properties"]["events"]["items"]["discriminator"]["mapping"]
    entry = SCHEMAS[mapping[event_type].rsplit("/", 1)[1]]
    schema: dict[str, Any] = SCHEMAS[entry["properties"]["data"]["$ref"].rsplit("/", 1)[1]]
    return schema


def fields(schema: dict[str, Any]) -> dict[str, bool]:
    """Each property of ``schema``, and whether it is required."""
    return {name: name in schema.get("required", []) for name in schema["properties"]}


@pytest.mark.parametrize("container", ["History", "EventFeed"])
def test_knows_every_event_type_the_document_lists(container: str) -> None:
    mapping = SCHEMAS[container]["properties"]["events"]["items"]["discriminator"]["mapping"]

    assert sorted(BY_TYPE) == sorted(mapping)


@pytest.mark.parametrize("event_type", sorted(BY_TYPE))
def test_each_data_model_has_the_documents_fields(event_type: str) -> None:
    model = BY_TYPE[event_type]
    documented = {name: f.is_required() for name, f in model.model_fields.items()}

    assert documented == fields(data_schema("History", event_type))
    assert data_schema("EventFeed", event_type) == data_schema("History", event_type)


def test_an_invited_agency_has_the_documents_fields() -> None:
    documented = {name: f.is_required() for name, f in InvitedAgencyData.model_fields.items()}

    assert documented == fields(SCHEMAS["InvitedAgencyData"])


def test_a_type_the_client_does_not_know_keeps_its_data_as_it_came() -> None:
    entry = HistoryEntry.model_validate(
        {
            "version": 9,
            "type": "SomethingNewRecorded",
            "recorded_at": "2026-11-29T10:00:00Z",
            "actor": None,
            "data": {"anything": [1, 2]},
        }
    )

    assert entry.data == {"anything": [1, 2]}
