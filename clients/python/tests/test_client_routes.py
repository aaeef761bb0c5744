"""The routes the hand-over does not take answer their typed views through the client."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from client_steps import assess, open_case, propose, transfer_id
from fastapi.testclient import TestClient
from service.adapters.principals import create_development_principals
from service.asgi import create_app
from service.settings import Settings

from case_transfer_client import CaseTransferClient, NotFoundError

Connect = Callable[..., CaseTransferClient]


def test_authorities_ledger_and_health(connect: Connect) -> None:
    somerset, nobody = connect("somerset"), connect("nobody")
    authorities = {a.code: a.name for a in somerset.list_authorities().items}
    assert authorities["933"] == "Somerset" and authorities["801"] == "Bristol, City of"
    checkpoint = somerset.ledger_checkpoint()
    keys = somerset.ledger_keys()
    assert checkpoint.key_id in {k.key_id for k in keys.items}
    assert (nobody.live().status, nobody.ready().status) == ("live", "ready")


def test_a_case_is_found_seen_as_it_was_and_closed(somerset: CaseTransferClient) -> None:
    before = datetime.now(tz=UTC) - timedelta(seconds=5)
    case = open_case(somerset)
    assert case.child.nhs_number is not None

    assert [c.case_id for c in somerset.find_child_cases(case.child.nhs_number).items] == [
        case.case_id
    ]
    with pytest.raises(NotFoundError):
        somerset.get_case(case.case_id, as_known_at=before)
    assert somerset.responsibility(case.case_id, at=before).authority is None
    assert somerset.timeline(case.case_id, as_known_at=before).intervals == []

    referenced = somerset.record_local_reference(case.case_id, "SOM-77")
    assert [r.reference for r in referenced.local_references][-1] == "SOM-77"
    closed = somerset.close_case(case.case_id, "RC1", expected_version=referenced.version)
    assert (closed.status, closed.closure_reason) == ("closed", "RC1")
    closed_ids = {
        c.case_id for c in somerset.iter_cases(responsible_authority="933", status="closed")
    }
    assert case.case_id in closed_ids


def test_a_transfer_is_declined_and_another_withdrawn(
    somerset: CaseTransferClient, bristol: CaseTransferClient
) -> None:
    case = assess(somerset, open_case(somerset))
    first = transfer_id(propose(somerset, case))
    declined = bristol.decline_transfer(case.case_id, first, "Family not resident here")
    assert declined.active_transfer is None
    assert bristol.get_transfer(case.case_id, first).stage == "declined"

    second = transfer_id(propose(somerset, case))
    withdrawn = somerset.withdraw_transfer(case.case_id, second, "Family stayed")
    assert [t.stage for t in withdrawn.transfers] == ["declined", "withdrawn"]
    assert withdrawn.transfers[-1].end_reason == "Family stayed"


def test_the_client_runs_in_process_through_the_asgi_test_client(tmp_path: Path) -> None:
    """A case system's own tests can run the service in process: pass a TestClient."""
    tokens = create_development_principals(tmp_path / "principals.toml")
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/events.sqlite3",
        principals_file=tmp_path / "principals.toml",
    )
    with (
        TestClient(create_app(settings)) as http,
        CaseTransferClient(token=tokens["Somerset case system"], http=http) as somerset,
    ):
        case = open_case(somerset)
        assert somerset.get_case(case.case_id).version == case.version
