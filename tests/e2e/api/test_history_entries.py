"""History entries are typed by event: every entry a real case's history answers is valid
against its own event type's schema in the committed OpenAPI document, documents each of
its data fields, and says what the export says (issue 13, item 7).

One case records every event type over HTTP: three transfers (declined, withdrawn, and
a hand-over whose acceptance names an open matter), a strategy discussion with an
acknowledgement and dissents, two professional differences (one resolved, one closed
unresolved), and the closure.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

import jsonschema_rs
import pytest

from service.api.schemas.history_entries import EVENT_TYPES
from tests.paths import REPOSITORY

from .decision_support import (
    differences_url,
    discussions_url,
    dissent,
    dissent_id_of,
    minuted,
    raise_difference,
)
from .support import Api, decline, transfer_url

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
DOCUMENT: dict[str, Any] = json.loads((REPOSITORY / "openapi" / "openapi.json").read_text())
SCHEMAS: dict[str, Any] = DOCUMENT["components"]["schemas"]


def record_every_event(api: Api) -> str:
    """A case whose history holds every event type; its id."""
    case_id: str = api.open_case()["case_id"]
    discussion_id = minuted(api, case_id)  # convened, outcome recorded, minutes circulated
    discussion = discussions_url(case_id, discussion_id)
    assert api.police.post(f"{discussion}/acknowledgements", json={}).status_code == 200
    withdrawn = dissent_id_of(dissent(api, case_id, discussion_id))
    assert api.hospital.post(f"{discussion}/dissents/{withdrawn}/withdrawal").status_code == 200
    assert dissent(api, case_id, discussion_id).status_code == 201

    resolved = differences_url(case_id, raise_difference(api, case_id).json()["difference_id"])
    assert api.somerset.post(f"{resolved}/responses", json={"response": "Looked again."}).is_success
    assert api.hospital.post(f"{resolved}/resolution", json={"outcome_statement": "S"}).is_success
    closed = differences_url(case_id, raise_difference(api, case_id).json()["difference_id"])
    assert api.hospital.post(
        f"{closed}/escalation", json={"held_by": "H", "reason": "R"}
    ).is_success
    assert api.hospital.post(f"{closed}/closure", json={"reason": "To the partnership."}).is_success

    assert decline(api, case_id, api.propose(case_id)).status_code == 200
    withdrawal = transfer_url(case_id, api.propose(case_id), "withdrawal")
    assert api.somerset.post(withdrawal, json={"reason": "The family stayed."}).status_code == 200
    transfer_id = api.propose(case_id)
    local = api.bristol.post(f"/v1/cases/{case_id}/local-references", json={"reference": "B-1"})
    assert local.status_code == 200
    api.ready_to_accept(case_id, transfer_id, on=api.clock.today())
    received = api.bristol.post(transfer_url(case_id, transfer_id, "information-received"))
    assert received.status_code == 200
    acceptance = transfer_url(case_id, transfer_id, "acceptance")
    refused = api.bristol.post(acceptance).json()  # names the difference still open
    named = [*refused["discussions"], *refused["differences"]]
    accepted = api.bristol.post(acceptance, json={"open_matters": named})
    assert accepted.status_code == 200, accepted.text
    api.clock.advance(days=1)
    assert api.close(case_id, by=api.bristol).status_code == 200
    return case_id


def variant(container: str, type_: str) -> str:
    """The component the document's discriminator maps ``type_`` to, in the list of
    ``container``'s ``events``."""
    union = SCHEMAS[container]["properties"]["events"]["items"]
    target: str = union["discriminator"]["mapping"][type_]
    assert {"$ref": target} in union["oneOf"]
    return target


def assert_valid_against_its_variant(entry: dict[str, Any], container: str) -> None:
    target = variant(container, entry["type"])
    jsonschema_rs.validate({"$ref": target, "components": DOCUMENT["components"]}, entry)
    data_schema = SCHEMAS[SCHEMAS[target.rsplit("/", 1)[1]]["properties"]["data"]["$ref"][21:]]
    undocumented = set(entry["data"]) - set(data_schema["properties"])
    assert undocumented == set(), f"{entry['type']}: {undocumented}"


def same_value(answered: Any, exported: Any) -> bool:
    """JSON values alike, instants compared as instants (the export writes them in UTC)."""
    if isinstance(answered, str) and isinstance(exported, str) and "T" in answered:
        try:
            return datetime.fromisoformat(answered) == datetime.fromisoformat(exported)
        except ValueError:
            pass
    if isinstance(answered, list) and isinstance(exported, list):
        return len(answered) == len(exported) and all(map(same_value, answered, exported))
    if isinstance(answered, dict) and isinstance(exported, dict):
        return answered.keys() == exported.keys() and all(
            same_value(answered[k], exported[k]) for k in answered
        )
    return bool(answered == exported)


@SQLITE_ONLY
def test_every_entry_of_a_real_history_is_valid_against_its_event_types_schema(
    api: Api,
) -> None:
    case_id = record_every_event(api)

    history = api.auditor.get(f"/v1/cases/{case_id}/history").json()["events"]
    exported = api.auditor.get(f"/v1/cases/{case_id}/history", headers={"Accept": "text/csv"})
    feed = api.auditor.get("/v1/events", params={"limit": 1000}).json()["events"]

    assert {entry["type"] for entry in history} == set(EVENT_TYPES)
    for entry in history:
        assert_valid_against_its_variant(entry, "History")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [row["type"] for row in rows] == [entry["type"] for entry in history]
    for row, entry in zip(rows, history, strict=True):
        assert same_value(entry["data"], json.loads(row["data"])), entry["type"]
    of_the_case = [e for e in feed if e["case_id"] == case_id]
    assert [
        {k: v for k, v in e.items() if k not in ("position", "case_id")} for e in of_the_case
    ] == (history)
    for event in feed:
        assert_valid_against_its_variant(event, "EventFeed")


def test_the_document_names_every_event_type_in_each_union() -> None:
    for container in ("History", "EventFeed"):
        union = SCHEMAS[container]["properties"]["events"]["items"]
        assert union["discriminator"]["propertyName"] == "type"
        assert set(union["discriminator"]["mapping"]) == set(EVENT_TYPES)
        assert len(union["oneOf"]) == len(EVENT_TYPES)
        for type_ in EVENT_TYPES:
            name = variant(container, type_).rsplit("/", 1)[1]
            assert SCHEMAS[name]["properties"]["type"]["const"] == type_
