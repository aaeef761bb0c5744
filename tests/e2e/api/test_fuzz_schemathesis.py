"""Fuzzing every operation of the committed OpenAPI document, in-process, for each role.

Schemathesis generates valid and invalid requests from openapi/openapi.json (the
document LA systems code against, not the one the code would generate now) and sends
them to the real app on a fresh SQLite file, with the token of a responsible
authority, a MASH and an auditor in turn. Every answer must be documented: never a
5xx, a documented status, content type, headers and body. About half the generated
case and transfer ids are swapped for those of a real case mid-transfer, so requests
get past "no such case" and into the rules.

The run is bounded and repeatable: a fixed seed, derandomised, no example database.
Server exceptions are not turned into 500s: they surface here as the exception.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.python import asgi

from service.asgi import create_app
from service.settings import Settings
from tests.paths import REPOSITORY

from .support import Api, Clock

COMMITTED = REPOSITORY / "openapi" / "openapi.json"
ROLES = ["somerset", "mash", "auditor"]  # the responsible authority, a MASH, an auditor

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20261126,
        "generation": {"deterministic": True, "database": "none", "max-examples": 25},
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        "checks": {
            "enabled": False,
            "not_a_server_error": {"enabled": True},
            "status_code_conformance": {"enabled": True},
            "content_type_conformance": {"enabled": True},
            "response_headers_conformance": {"enabled": True},
            "response_schema_conformance": {"enabled": True},
        },
    }
)
schema = schemathesis.openapi.from_path(COMMITTED, config=CONFIG)

# Filled by the ``target`` fixture before any example is generated.
REAL: dict[str, str] = {}


@schema.hook
def flatmap_path_parameters(
    context: schemathesis.HookContext, path_parameters: dict[str, Any] | None
) -> st.SearchStrategy[dict[str, Any] | None]:
    """The generated ids, or those of the real case mid-transfer."""
    if not path_parameters or not REAL:
        return st.just(path_parameters)
    real = {**path_parameters, **{k: REAL[k] for k in path_parameters if k in REAL}}
    return st.sampled_from([path_parameters, real])


@schema.hook
def flatmap_query(
    context: schemathesis.HookContext, query: dict[str, Any] | None
) -> st.SearchStrategy[dict[str, Any] | None]:
    """The generated NHS number, or the real child's."""
    if not query or "nhs_number" not in query or "nhs_number" not in REAL:
        return st.just(query)
    return st.sampled_from([query, {**query, "nhs_number": REAL["nhs_number"]}])


@pytest.fixture(scope="module")
def target(
    tmp_path_factory: pytest.TempPathFactory, principals: tuple[Path, dict[str, str]]
) -> Iterator[FastAPI]:
    """The app on a fresh SQLite file, holding a Somerset case mid-transfer to Bristol."""
    database = tmp_path_factory.mktemp("fuzz") / "events.sqlite3"
    configured = Settings(database_url=f"sqlite:///{database}", principals_file=principals[0])
    clock = Clock()
    with TestClient(create_app(configured), raise_server_exceptions=True) as client:
        api = Api(client, principals[1], clock)
        case = api.open_case()
        transfer_id = api.propose(case["case_id"], to="801")
        assert api.assess(case["case_id"]).status_code == 200
        assert api.share(case["case_id"], transfer_id).status_code == 200
        tomorrow = (clock.today() + timedelta(days=1)).isoformat()
        proposed = api.bristol.post(
            f"/v1/cases/{case['case_id']}/transfers/{transfer_id}/date-proposals",
            json={"date": tomorrow},
        )
        assert proposed.status_code == 200, proposed.text
    REAL.update(
        case_id=case["case_id"],
        transfer_id=transfer_id,
        nhs_number=case["child"]["nhs_number"],
    )
    # A second app on the same file: schemathesis runs its lifespan, as a server would.
    app = create_app(configured)
    try:
        yield app
    finally:
        REAL.clear()
        asgi.shutdown_lifespans()  # closes the application schemathesis started


@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@settings(
    max_examples=10,  # per operation and role: 153 of them; the suite's time is near its limit
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_answer_is_documented(
    case: schemathesis.Case[Any],
    role: str,
    target: FastAPI,
    principals: tuple[Path, dict[str, str]],
) -> None:
    case.call_and_validate(app=target, headers={"Authorization": f"Bearer {principals[1][role]}"})
