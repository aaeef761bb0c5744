"""A case loaded from a snapshot at any version, then its later events, is the case replayed.

The domain's own state machines (``test_invariants``: transfers, assessments, closure,
across London midnights and clock changes; ``test_decision_invariants``: discussions,
minutes, dissents, differences) drive a case through random steps; at the end, for
every version k, the case replayed to k is snapshotted, the snapshot passed through
the service's mapper with a cipher (as it is stored), restored, brought forward by
events k+1.. and compared with the case replayed from all its events: every attribute,
of the same type, dicts in the same order. Few examples: the domain's own tests run
the machines at length; this one proves the snapshot format against what they build.
"""

from __future__ import annotations

import base64
import os
import pickle
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from pydantic import SecretStr

from bench.prepare import history_case
from service.adapters.keys import cipher_environment, new_encryption_key
from service.application import CaseTransferApplication
from service.application.snapshot_codec import SnapshotCodecError, pack, unpack
from service.application.snapshots import CaseSnapshot
from service.domain.case import Case
from tests.unit.domain.conftest import replay
from tests.unit.domain.test_decision_invariants import DecisionsUnderRandomSteps
from tests.unit.domain.test_invariants import CaseUnderRandomSteps

SETTINGS = settings(
    max_examples=15,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

MAPPER = CaseTransferApplication(
    {
        "PERSISTENCE_MODULE": "eventsourcing.popo",
        **cipher_environment(SecretStr(new_encryption_key())),
    },
    index_key=b"snapshot-test",
).mapper


def assert_same(left: Any, right: Any, path: str = "case") -> None:
    """Equal, and of the same types all the way down (a tuple is not a list here)."""
    assert type(left) is type(right), path
    if isinstance(left, dict):
        assert list(left) == list(right), path  # same keys, in the same order
        for key in left:
            assert_same(left[key], right[key], f"{path}[{key!r}]")
    elif isinstance(left, list | tuple):
        assert len(left) == len(right), path
        for n, (a, b) in enumerate(zip(left, right, strict=True)):
            assert_same(a, b, f"{path}[{n}]")
    elif isinstance(left, datetime):
        assert (left, left.tzinfo) == (right, right.tzinfo), path
    elif hasattr(left, "__dict__") and not isinstance(left, type):
        assert sorted(vars(left)) == sorted(vars(right)), path  # attributes: any order
        for name in vars(left):
            assert_same(getattr(left, name), getattr(right, name), f"{path}.{name}")
    else:
        assert left == right, path


def assert_every_snapshot_replays(events: list[Case.Event], every: int = 1) -> None:
    full = replay(events)
    known: Any = None
    for k, event in enumerate(events, start=1):
        known = event.mutate(known)
        if k % every:
            continue
        stored = MAPPER.to_stored_event(CaseSnapshot.take(known))
        snapshot = MAPPER.to_domain_event(stored)
        assert isinstance(snapshot, CaseSnapshot)
        restored: Any = snapshot.restore(full.id)
        assert_same(restored, known, f"case at {k}")
        for later in events[k:]:
            restored = later.mutate(restored)
        assert_same(restored, full, f"case from the snapshot at {k}")


class TransfersFromSnapshots(CaseUnderRandomSteps):
    def teardown(self) -> None:
        assert_every_snapshot_replays(self.events)


class DecisionsFromSnapshots(DecisionsUnderRandomSteps):
    def teardown(self) -> None:
        assert_every_snapshot_replays(self.events)


def test_transfers_load_from_every_snapshot_as_replayed() -> None:
    run_state_machine_as_test(TransfersFromSnapshots, settings=SETTINGS)


def test_decisions_load_from_every_snapshot_as_replayed() -> None:
    run_state_machine_as_test(DecisionsFromSnapshots, settings=SETTINGS)


def test_a_long_history_loads_from_its_snapshots_as_replayed() -> None:
    case = history_case(300, "933", "801", datetime(2027, 1, 1, tzinfo=UTC))
    events = [event for event in case.collect_events() if isinstance(event, Case.Event)]
    assert_every_snapshot_replays(events, every=29)


def _packed(raw: bytes) -> str:
    return base64.b64encode(zlib.compress(raw)).decode("ascii")


@pytest.mark.parametrize(
    "raw",
    [
        pickle.dumps(os.system),  # only the domain's classes and a few standard values
        b"cposix\nsystem\n(S'echo x'\ntR.",  # the classic gadget, by hand
        b"cservice.domain.case.transfer\nTransfer.__init__\n.",  # no path into a class
        b"cservice.domain.case.rules\nno_such_transfer\n.",  # a function, not a class
        b"cservice.domain.case.transfer\ndatetime\n.",  # a name imported from elsewhere
        b"cservice.domain.not_imported\nThing\n.",  # a module not already loaded
        b"cbuiltins\nobject\n.",
        pickle.dumps({"periods": [1, 2]})[:-3],  # cut short
        b"not a pickle",
    ],
)
def test_what_the_encoding_never_writes_is_refused(raw: bytes) -> None:
    with pytest.raises(SnapshotCodecError):
        unpack(_packed(raw))


@pytest.mark.parametrize("text", ["not base64!", "aGVsbG8=", 7])  # "hello": not compressed
def test_a_state_that_does_not_unpack_is_refused(text: object) -> None:
    with pytest.raises(SnapshotCodecError):
        unpack(text)


def test_what_the_encoding_does_not_know_is_refused_when_taking() -> None:
    from zoneinfo import ZoneInfo

    for value in (
        object(),
        datetime(2027, 1, 1, tzinfo=ZoneInfo("Europe/London")),
        Path("x"),
        True.__class__,
        lambda: None,
    ):
        with pytest.raises(SnapshotCodecError):
            pack(value)


def test_a_snapshot_in_another_format_is_not_restored() -> None:
    """Format 1 (tagged JSON, never released) and any other: the events answer instead."""
    case = history_case(20, "933", "801", datetime(2027, 1, 1, tzinfo=UTC))
    snapshot = CaseSnapshot.take(
        replay([e for e in case.collect_events() if isinstance(e, Case.Event)])
    )
    for state in ({**snapshot.state, "format": 1}, {"state": snapshot.state["state"]}):
        with pytest.raises(SnapshotCodecError):
            CaseSnapshot(**{**vars(snapshot), "state": state}).restore(case.id)
    assert snapshot.restore(case.id).version == 20
