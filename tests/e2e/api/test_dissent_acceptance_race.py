"""Rule 15 under concurrency, on PostgreSQL: a dissent recorded while an acceptance is in
flight either is named by it or makes it fail.

Two application instances (two replicas, each with its own engine and event-store
connections) serve the same PostgreSQL database: the hospital's dissent goes to one,
Bristol's acceptance (naming no open matter, since none was open when it looked) to the
other, released together. Whichever wins, the acceptance never completes with the
dissent unnamed: either it was refused (409 open-matters-not-acknowledged) or the
dissent was recorded after it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest

from service.asgi import create_app
from service.settings import Settings

from .decision_support import discussions_url, minuted
from .support import Api, Clock, at_once, http_client, live_server, transfer_url

ROUNDS = 6
POSTGRES_ONLY = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


@pytest.fixture
def replicas(settings: Settings, clock: Clock) -> Iterator[tuple[str, str]]:
    """Two more live servers, each its own application, on the test's store."""
    with (
        live_server(create_app(settings, clock=clock.now)) as first,
        live_server(create_app(settings, clock=clock.now)) as second,
    ):
        yield first, second


@POSTGRES_ONLY
def test_a_dissent_racing_an_acceptance_is_named_or_refuses_it(
    api: Api, replicas: tuple[str, str], principals: tuple[Path, dict[str, str]]
) -> None:
    tokens = principals[1]
    first, second = replicas
    outcomes = set()
    with (
        http_client(first, tokens["hospital"]) as hospital,
        http_client(second, tokens["bristol"]) as bristol,
    ):
        for _ in range(ROUNDS):
            case_id = api.open_case()["case_id"]
            discussion_id = minuted(api, case_id)
            transfer_id = api.propose(case_id, to="801")
            api.ready_to_accept(case_id, transfer_id, on=api.clock.today() + timedelta(days=1))

            dissent_url = discussions_url(case_id, discussion_id, "dissents")
            acceptance_url = transfer_url(case_id, transfer_id, "acceptance")
            dissented, accepted = at_once(
                [
                    partial(
                        hospital.post, dissent_url, json={"account": "A section 47, we thought."}
                    ),
                    partial(bristol.post, acceptance_url, json={"open_matters": []}),
                ]
            )
            assert dissented.status_code == 201, dissented.text
            types = [
                e["type"] for e in api.auditor.get(f"/v1/cases/{case_id}/history").json()["events"]
            ]
            if accepted.status_code == 200:
                assert types.index("ResponsibilityAccepted") < types.index("DissentRecorded")
                outcomes.add("accepted first")
            else:
                assert accepted.status_code == 409, accepted.text
                assert accepted.json()["code"] == "open-matters-not-acknowledged"
                assert "ResponsibilityAccepted" not in types
                outcomes.add("refused")
    assert outcomes  # each round ended one of the two allowed ways
