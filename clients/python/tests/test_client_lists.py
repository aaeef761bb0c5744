"""The lists page by cursor (or, the feed, by position); the iterators follow every page.

The server is shared by the tests of a process, so each test checks the items of the
cases it made itself, among whatever else the lists hold.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from client_steps import assess, open_case, propose
from client_support import Front

from case_transfer_client import CaseTransferClient
from case_transfer_client.event_data import CaseOpenedData

Connect = Callable[..., CaseTransferClient]
LEEDS = "383"


def test_cases_found_by_reference_are_iterated_page_by_page(
    somerset: CaseTransferClient, front: Front
) -> None:
    reference = f"SHARED-{uuid4().hex[:8]}"
    opened = {open_case(somerset, reference).case_id for _ in range(5)}
    front.seen.clear()

    found = [case.case_id for case in somerset.iter_cases_by_local_reference(reference, limit=2)]

    assert sorted(found) == sorted(opened)
    cursors = [s for s in front.seen if s.path == "/v1/cases/by-local-reference"]
    assert len(cursors) == 3
    first = somerset.find_cases_by_local_reference(reference, limit=2)
    assert len(first.items) == 2 and first.next is not None
    assert first.answered is not None and first.answered.log_position is not None


def test_transfers_worklist_and_caseload_are_iterated(connect: Connect) -> None:
    leeds, auditor = connect("leeds"), connect("auditor")
    cases = [assess(leeds, open_case(leeds)) for _ in range(3)]
    proposed = {propose(leeds, case, to="801").case_id for case in cases}

    outgoing = list(leeds.iter_transfers(direction="outgoing", stage="proposed", limit=2))
    assert {t.case_id for t in outgoing} >= proposed
    assert all(t.from_authority.code == LEEDS for t in outgoing)
    work = list(leeds.iter_worklist(limit=2))
    assert {w.case_id for w in work} >= proposed
    assert {w.kind for w in work if w.case_id in proposed} == {"share-information"}
    caseload = list(auditor.iter_caseload(LEEDS, limit=2))
    assert {c.case_id for c in caseload} >= proposed
    later = auditor.caseload(LEEDS, at=datetime.now(tz=UTC) + timedelta(days=1))
    assert later.authority.code == LEEDS


def test_the_event_feed_is_followed_to_the_end_of_the_log(connect: Connect) -> None:
    somerset, auditor = connect("somerset"), connect("auditor")
    case = open_case(somerset)

    events = list(auditor.iter_events(limit=3))

    positions = [e.position for e in events]
    assert positions == sorted(set(positions))
    assert case.case_id in {e.case_id for e in events}
    opened = next(e for e in events if e.case_id == case.case_id)
    assert isinstance(opened.data, CaseOpenedData)  # typed as in the history
    assert opened.data.local_reference == case.local_references[0].reference
    last = auditor.event_feed(after=positions[-1])
    assert last.events == [] and last.next is None and last.last_position >= positions[-1]


def test_the_access_log_lists_a_mash_read(connect: Connect) -> None:
    somerset, mash, auditor = connect("somerset"), connect("mash"), connect("auditor")
    case = open_case(somerset)
    mash.get_case(case.case_id)

    reads = list(auditor.iter_access_log(case_id=case.case_id, limit=1))

    assert [(r.principal.name, r.route) for r in reads] == [
        ("Somerset MASH", "GET /v1/cases/{case_id}")
    ]
    assert somerset.access_log(case_id=case.case_id).items == reads
