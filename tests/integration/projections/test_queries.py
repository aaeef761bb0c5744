"""The lists across cases, on real read models (SQLite and PostgreSQL).

Data is made the way case systems make it, through the application's commands; the
lists are then read through ``ReadModels`` with no background projection running,
so every list also shows that a read reflects the writes before it (no sleeping).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID, uuid4

import pytest

from service.application import CaseTransferApplication, ChangeRequest, Outcome
from service.domain.actors import Actor
from service.domain.calendar import london_date, start_of_london_day
from service.domain.errors import DomainError, Forbidden, InvalidInput
from service.domain.worklist import AGREE_NEW_DATE, CONFIRM_RECEIPT, DECIDE_TRANSFER, Timescales
from service.projections.projector import Projector
from service.projections.queries import MAX_LIMIT, Page, ReadModels

from .conftest import ReadStore

T = TypeVar("T")

SOMERSET = Actor("Somerset case system", "authority", "933")
BRISTOL = Actor("Bristol case system", "authority", "801")
LEEDS = Actor("Leeds case system", "authority", "383")
MASH = Actor("Somerset MASH", "mash", "933")
AUDITOR = Actor("Serious case review panel", "auditor", None)
ANY = ChangeRequest()
DAY = timedelta(days=1)


def code(actor: Actor) -> str:
    assert actor.authority is not None
    return actor.authority


class Desk:
    """Drives the application as the authorities' case systems would, a second apart."""

    def __init__(self, store: ReadStore) -> None:
        self.app: CaseTransferApplication = store.application
        self.clock = store.clock

    def tick(self, by: timedelta = timedelta(seconds=1)) -> None:
        self.clock.instant += by

    def open(self, by: Actor = SOMERSET, reference: str | None = None) -> UUID:
        self.tick()
        outcome = self.app.open_case(
            by,
            ANY,
            local_reference=reference or f"REF-{uuid4().hex[:10]}",
            nhs_number=None,
            date_of_birth=date(2019, 5, 4),
            expected_date_of_birth=None,
        )
        return outcome.case.id

    def propose(self, case_id: UUID, frm: Actor = SOMERSET, to: Actor = BRISTOL) -> UUID:
        self.tick()
        outcome = self.app.propose_transfer(
            frm, case_id, ANY, to_authority=code(to), reason="The family has moved."
        )
        assert outcome.transfer_id is not None
        return outcome.transfer_id

    def ready(self, case_id: UUID, frm: Actor, to: Actor, on: date | None = None) -> UUID:
        """Assess, propose, share and agree ``on`` (default today): rule 5's four steps."""
        now = self.clock.instant
        on = on or london_date(now)
        self.app.record_assessment(
            frm,
            case_id,
            ANY,
            completed_on=london_date(now),
            factors=["2B"],
            primary_need_code="N1",
            summary="Neglect.",
        )
        transfer_id = self.propose(case_id, frm, to)
        self.app.share_information(
            frm,
            case_id,
            transfer_id,
            ANY,
            categories=["assessment"],
            references=["DOC-1"],
            shared_on=london_date(now),
        )
        self.app.propose_transfer_date(frm, case_id, transfer_id, ANY, on=on)
        self.app.agree_transfer_date(to, case_id, transfer_id, ANY, on=on)
        return transfer_id

    def hand_over(self, case_id: UUID, frm: Actor, to: Actor, on: date | None = None) -> UUID:
        transfer_id = self.ready(case_id, frm, to, on)
        self.app.accept_responsibility(to, case_id, transfer_id, ANY)
        return transfer_id

    def decline(self, case_id: UUID, transfer_id: UUID, by: Actor = BRISTOL) -> None:
        self.app.decline_transfer(by, case_id, transfer_id, ANY, reason="Not our area.")

    def withdraw(self, case_id: UUID, transfer_id: UUID, by: Actor = SOMERSET) -> None:
        self.app.withdraw_transfer(by, case_id, transfer_id, ANY, reason="They stayed.")

    def close(self, case_id: UUID, by: Actor = SOMERSET) -> Outcome:
        self.tick()
        return self.app.close_case(by, case_id, ANY, reason_code="RC1")


def read_models(store: ReadStore, projector: Projector | None = None) -> ReadModels:
    return ReadModels(
        projector or store.projector,
        timescales=Timescales(),
        wait_seconds=10,
        clock=store.clock.now,
    )


@pytest.fixture
def desk(read_store: ReadStore) -> Desk:
    return Desk(read_store)


@pytest.fixture
def lists(read_store: ReadStore) -> ReadModels:
    return read_models(read_store)


def case_ids(page: Page[Any]) -> list[UUID]:
    return [case.id for case in page.items]


def walk(read: Callable[[str | None], Page[T]]) -> list[Page[T]]:
    """Every page of a list, following its cursors."""
    pages = [read(None)]
    while pages[-1].next_cursor is not None:
        pages.append(read(pages[-1].next_cursor))
        assert len(pages) < 100
    return pages


class TestCaseload:
    def test_lists_the_authoritys_open_cases_and_no_others(
        self, desk: Desk, lists: ReadModels
    ) -> None:
        first, second = desk.open(), desk.open()
        bristols = desk.open(BRISTOL)
        desk.close(desk.open())

        assert case_ids(lists.caseload(SOMERSET)) == [first, second]
        assert case_ids(lists.caseload(BRISTOL)) == [bristols]
        assert case_ids(lists.caseload(AUDITOR, authority="801")) == [bristols]

    def test_closed_lists_the_cases_closed_while_the_authority_held_them(
        self, desk: Desk, lists: ReadModels
    ) -> None:
        closed = desk.open()
        desk.open()
        desk.close(closed)
        handed = desk.open()
        desk.hand_over(handed, SOMERSET, BRISTOL)
        desk.close(handed, by=BRISTOL)

        assert case_ids(lists.caseload(SOMERSET, status="closed")) == [closed]
        assert case_ids(lists.caseload(BRISTOL, status="closed")) == [handed]

    def test_closed_at_an_instant_before_the_closure_lists_nothing(
        self, desk: Desk, lists: ReadModels, read_store: ReadStore
    ) -> None:
        case_id = desk.open()
        before = read_store.clock.instant
        desk.close(case_id)

        assert case_ids(lists.caseload(SOMERSET, status="closed", at=before)) == []
        assert case_ids(lists.caseload(SOMERSET, at=before)) == [case_id]

    def test_at_a_past_instant_lists_the_caseload_as_it_was(
        self, desk: Desk, lists: ReadModels, read_store: ReadStore
    ) -> None:
        start = read_store.clock.instant
        first = desk.open()
        between = read_store.clock.instant
        second = desk.open()
        desk.hand_over(first, SOMERSET, BRISTOL)

        assert case_ids(lists.caseload(SOMERSET, at=start)) == []
        assert case_ids(lists.caseload(SOMERSET, at=between)) == [first]
        assert case_ids(lists.caseload(SOMERSET)) == [second]
        assert case_ids(lists.caseload(BRISTOL)) == [first]

    def test_a_scheduled_hand_over_joins_the_receivers_caseload_at_its_effective_instant(
        self, desk: Desk, lists: ReadModels, read_store: ReadStore
    ) -> None:
        case_id = desk.open()
        on = london_date(read_store.clock.instant) + 7 * DAY
        desk.hand_over(case_id, SOMERSET, BRISTOL, on=on)
        effective = start_of_london_day(on)
        just_before = effective - timedelta(microseconds=1)

        assert case_ids(lists.caseload(BRISTOL)) == []
        assert case_ids(lists.caseload(BRISTOL, at=just_before)) == []
        assert case_ids(lists.caseload(BRISTOL, at=effective)) == [case_id]
        assert case_ids(lists.caseload(SOMERSET)) == [case_id]
        assert case_ids(lists.caseload(SOMERSET, at=just_before)) == [case_id]
        assert case_ids(lists.caseload(SOMERSET, at=effective)) == []

    def test_a_withdrawn_scheduled_hand_over_leaves_the_case_with_the_originator(
        self, desk: Desk, lists: ReadModels, read_store: ReadStore
    ) -> None:
        case_id = desk.open()
        on = london_date(read_store.clock.instant) + 7 * DAY
        transfer_id = desk.hand_over(case_id, SOMERSET, BRISTOL, on=on)
        desk.withdraw(case_id, transfer_id)

        later = start_of_london_day(on) + DAY
        assert case_ids(lists.caseload(BRISTOL, at=later)) == []
        assert case_ids(lists.caseload(SOMERSET, at=later)) == [case_id]

    def test_an_item_is_the_case_at_the_version_its_row_records(
        self, desk: Desk, read_store: ReadStore
    ) -> None:
        """A projector that stops at an earlier head shows the case as it stood there."""
        case_id = desk.open()
        head = read_store.application.recorder.max_notification_id() or 0
        desk.close(case_id)  # the case moves on after the read model's head
        behind = read_models(read_store, FrozenHead(read_store, head))

        [item] = behind.caseload(SOMERSET).items
        assert (item.id, item.version, item.status) == (case_id, 1, "open")


class FrozenHead(Projector):
    """A projector whose log head stays where it was when it was made."""

    def __init__(self, store: ReadStore, head: int) -> None:
        super().__init__(store.application, store.engine)
        self.frozen = head

    def head(self) -> int:
        return self.frozen


class TestCasesByLocalReference:
    def test_an_authority_finds_only_its_own_references(
        self, desk: Desk, lists: ReadModels
    ) -> None:
        """Even on a case it is party to, an authority does not match the other's reference."""
        somersets = desk.open(SOMERSET, reference="SHARED-1")
        bristols = desk.open(BRISTOL, reference="SHARED-1")
        desk.propose(bristols, BRISTOL, SOMERSET)  # Somerset is now a party to it
        desk.open(SOMERSET, reference="OTHER-1")

        assert case_ids(lists.cases_by_local_reference(SOMERSET, "SHARED-1")) == [somersets]
        assert case_ids(lists.cases_by_local_reference(BRISTOL, "SHARED-1")) == [bristols]
        assert case_ids(lists.cases_by_local_reference(LEEDS, "SHARED-1")) == []

    @pytest.mark.parametrize("actor", [MASH, AUDITOR], ids=["mash", "auditor"])
    def test_the_mash_and_auditors_find_any_authoritys_reference(
        self, desk: Desk, lists: ReadModels, actor: Actor
    ) -> None:
        found = sorted([desk.open(SOMERSET, reference="SHARED-1"), desk.open(BRISTOL, "SHARED-1")])
        desk.open(LEEDS, reference="SHARED-2")

        assert case_ids(lists.cases_by_local_reference(actor, "SHARED-1")) == found

    def test_a_case_both_authorities_gave_the_same_reference_is_listed_once(
        self, desk: Desk, lists: ReadModels
    ) -> None:
        case_id = desk.open(SOMERSET, reference="SAME-1")
        desk.propose(case_id, SOMERSET, BRISTOL)
        desk.app.record_local_reference(BRISTOL, case_id, ANY, reference="SAME-1")

        assert case_ids(lists.cases_by_local_reference(MASH, "SAME-1")) == [case_id]
        assert case_ids(lists.cases_by_local_reference(BRISTOL, "SAME-1")) == [case_id]

    def test_matches_the_reference_as_stored_trimmed_and_case_sensitive(
        self, desk: Desk, lists: ReadModels
    ) -> None:
        case_id = desk.open(SOMERSET, reference="Som-42")

        assert case_ids(lists.cases_by_local_reference(SOMERSET, "  Som-42 ")) == [case_id]
        assert case_ids(lists.cases_by_local_reference(SOMERSET, "SOM-42")) == []

    @pytest.mark.parametrize(
        ("reference", "refusal"), [(" ", "text-required"), ("R" * 65, "text-too-long")]
    )
    def test_a_reference_no_case_could_hold_is_refused(
        self, lists: ReadModels, reference: str, refusal: str
    ) -> None:
        with pytest.raises(InvalidInput) as raised:
            lists.cases_by_local_reference(SOMERSET, reference)
        assert raised.value.code == refusal


class Transfers:
    """One transfer at each stage, each on its own case, in the order they were proposed."""

    def __init__(self, desk: Desk) -> None:
        self.proposed = desk.propose(desk.open())
        self.declined = desk.propose(case := desk.open())
        desk.decline(case, self.declined)
        self.withdrawn = desk.propose(case := desk.open(BRISTOL), BRISTOL, SOMERSET)
        desk.withdraw(case, self.withdrawn, by=BRISTOL)
        on = london_date(desk.clock.instant) + 7 * DAY
        self.scheduled = desk.hand_over(desk.open(), SOMERSET, LEEDS, on=on)
        self.completed = desk.hand_over(desk.open(), SOMERSET, BRISTOL)
        self.effective = start_of_london_day(on)


def transfer_ids(page: Page[Any]) -> list[UUID]:
    return [entry.transfer.transfer_id for entry in page.items]


class TestTransfers:
    def test_lists_the_transfers_in_flight_either_way_by_default(
        self, desk: Desk, lists: ReadModels
    ) -> None:
        made = Transfers(desk)

        assert transfer_ids(lists.transfers(SOMERSET)) == [made.proposed, made.scheduled]
        assert transfer_ids(lists.transfers(BRISTOL)) == [made.proposed]
        assert transfer_ids(lists.transfers(LEEDS)) == [made.scheduled]

    @pytest.mark.parametrize(
        ("stage", "direction", "expected"),
        [
            ("proposed", None, ["proposed"]),
            ("accepted", None, ["scheduled"]),
            ("completed", None, ["completed"]),
            ("declined", None, ["declined"]),
            ("withdrawn", None, ["withdrawn"]),
            ("withdrawn", "incoming", ["withdrawn"]),
            ("withdrawn", "outgoing", []),
            (None, "outgoing", ["proposed", "scheduled"]),
            (None, "incoming", []),
            ("completed", "incoming", []),
        ],
    )
    def test_lists_each_stage_and_direction(
        self,
        desk: Desk,
        lists: ReadModels,
        stage: str | None,
        direction: str | None,
        expected: list[str],
    ) -> None:
        made = Transfers(desk)

        page = lists.transfers(SOMERSET, stage=stage, direction=direction)
        assert transfer_ids(page) == [getattr(made, name) for name in expected]

    def test_an_accepted_transfer_completes_at_its_effective_instant(
        self, desk: Desk, lists: ReadModels, read_store: ReadStore
    ) -> None:
        made = Transfers(desk)
        read_store.clock.instant = made.effective

        assert transfer_ids(lists.transfers(LEEDS)) == []
        assert transfer_ids(lists.transfers(LEEDS, stage="accepted")) == []
        assert transfer_ids(lists.transfers(LEEDS, stage="completed")) == [made.scheduled]

    def test_an_entry_carries_its_case_and_transfer(self, desk: Desk, lists: ReadModels) -> None:
        case_id = desk.open()
        transfer_id = desk.propose(case_id, SOMERSET, LEEDS)

        [entry] = lists.transfers(AUDITOR, authority="383", direction="incoming").items
        assert entry.case.id == case_id
        assert (entry.transfer.transfer_id, entry.transfer.from_authority) == (transfer_id, "933")


def work(page: Page[Any]) -> list[tuple[str, date, bool]]:
    return [(e.item.kind, e.due_on, e.overdue) for e in page.items]


class TestWorklist:
    def test_lists_the_authoritys_own_items(self, desk: Desk, lists: ReadModels) -> None:
        case_id = desk.open()
        transfer_id = desk.propose(case_id)
        desk.app.share_information(
            SOMERSET,
            case_id,
            transfer_id,
            ANY,
            categories=["assessment"],
            references=[],
            shared_on=london_date(desk.clock.instant),
        )
        desk.propose(desk.open(LEEDS), LEEDS, SOMERSET)

        assert work(lists.worklist(BRISTOL)) == [
            (CONFIRM_RECEIPT, date(2026, 11, 30), False),
            (DECIDE_TRANSFER, date(2026, 12, 10), False),
        ]
        assert [e.item.case_id for e in lists.worklist(BRISTOL).items] == [case_id, case_id]
        assert work(lists.worklist(LEEDS)) == [("share-information", date(2026, 12, 3), False)]
        assert work(lists.worklist(SOMERSET)) == []

    def test_overdue_moves_with_the_clock(
        self, desk: Desk, lists: ReadModels, read_store: ReadStore
    ) -> None:
        """Five working days from Thursday 26 November: due Thursday 3 December."""
        desk.propose(desk.open())
        due = ("share-information", date(2026, 12, 3))

        read_store.clock.instant = datetime(2026, 12, 3, 23, 59, tzinfo=UTC)
        assert work(lists.worklist(SOMERSET)) == [(*due, False)]
        assert work(lists.worklist(SOMERSET, overdue_only=True)) == []
        read_store.clock.instant = datetime(2026, 12, 4, 0, 0, tzinfo=UTC)
        assert work(lists.worklist(SOMERSET)) == [(*due, True)]
        assert work(lists.worklist(SOMERSET, overdue_only=True)) == [(*due, True)]

    def test_due_dates_skip_weekends_and_bank_holidays(
        self, desk: Desk, lists: ReadModels, read_store: ReadStore
    ) -> None:
        """From Tuesday 22 December 2026: Christmas and the substitute Boxing Day (28th)
        do not count, so five working days end on Thursday 31 December."""
        read_store.clock.instant = datetime(2026, 12, 22, 9, tzinfo=UTC)
        desk.propose(desk.open())

        assert work(lists.worklist(SOMERSET)) == [("share-information", date(2026, 12, 31), False)]

    def test_an_item_is_shown_from_its_visible_from_date(
        self, desk: Desk, lists: ReadModels, read_store: ReadStore
    ) -> None:
        """An agreed date that passes unaccepted asks both parties for a new one."""
        desk.ready(desk.open(), SOMERSET, BRISTOL, on=date(2026, 12, 3))

        assert work(lists.worklist(SOMERSET)) == []
        read_store.clock.instant = datetime(2026, 12, 4, 9, tzinfo=UTC)
        assert work(lists.worklist(SOMERSET)) == [(AGREE_NEW_DATE, date(2026, 12, 4), False)]
        read_store.clock.instant = datetime(2026, 12, 5, 9, tzinfo=UTC)
        assert work(lists.worklist(SOMERSET)) == [(AGREE_NEW_DATE, date(2026, 12, 4), True)]


class TestPagination:
    @pytest.mark.parametrize("limit", [1, 2])
    def test_caseload_pages_visit_every_case_once_in_order(
        self, desk: Desk, lists: ReadModels, limit: int
    ) -> None:
        opened = [desk.open() for _ in range(5)]
        desk.open(BRISTOL)

        pages = walk(lambda cursor: lists.caseload(SOMERSET, cursor=cursor, limit=limit))
        assert [case_ids(p) for p in pages] == chunks(opened, limit)

    @pytest.mark.parametrize("limit", [1, 2])
    def test_closed_caseload_pages_visit_every_case_once_in_order(
        self, desk: Desk, lists: ReadModels, limit: int
    ) -> None:
        opened = [desk.open() for _ in range(3)]
        for case_id in reversed(opened):
            desk.close(case_id)

        pages = walk(lambda c: lists.caseload(SOMERSET, status="closed", cursor=c, limit=limit))
        assert [case_ids(p) for p in pages] == chunks(opened[::-1], limit)

    @pytest.mark.parametrize("limit", [1, 2])
    def test_reference_pages_visit_every_case_once_in_order(
        self, desk: Desk, lists: ReadModels, limit: int
    ) -> None:
        found = sorted(desk.open(actor, reference="R-1") for actor in (SOMERSET, BRISTOL, LEEDS))

        pages = walk(
            lambda c: lists.cases_by_local_reference(AUDITOR, "R-1", cursor=c, limit=limit)
        )
        assert [case_ids(p) for p in pages] == chunks(found, limit)

    @pytest.mark.parametrize("limit", [1, 2])
    def test_transfer_pages_visit_every_transfer_once_in_order(
        self, desk: Desk, lists: ReadModels, limit: int
    ) -> None:
        proposed = [desk.propose(desk.open()) for _ in range(3)]
        proposed.append(desk.propose(desk.open(LEEDS), LEEDS, SOMERSET))

        pages = walk(lambda c: lists.transfers(SOMERSET, cursor=c, limit=limit))
        assert [transfer_ids(p) for p in pages] == chunks(proposed, limit)

    @pytest.mark.parametrize("limit", [1, 2])
    def test_worklist_pages_visit_every_item_once_in_due_order(
        self, desk: Desk, lists: ReadModels, read_store: ReadStore, limit: int
    ) -> None:
        """Proposed on Thursday, Friday and Monday: due 3, 4 and 7 December."""
        cases = [desk.open() for _ in range(3)]
        for case_id, gap in zip(cases, (DAY, 3 * DAY, DAY), strict=True):
            desk.propose(case_id)
            desk.tick(gap)

        pages = walk(lambda c: lists.worklist(SOMERSET, cursor=c, limit=limit))
        listed = [[e.item.case_id for e in p.items] for p in pages]
        assert listed == chunks(cases, limit)

    def test_a_full_last_page_has_no_next_cursor(self, desk: Desk, lists: ReadModels) -> None:
        desk.open()
        desk.open()

        assert lists.caseload(SOMERSET, limit=2).next_cursor is None


def chunks(items: list[T], size: int) -> list[list[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


EVERY_LIST: dict[str, Callable[..., Page[Any]]] = {
    "caseload": ReadModels.caseload,
    "transfers": ReadModels.transfers,
    "worklist": ReadModels.worklist,
}


def refusal(call: Callable[[], object]) -> DomainError:
    with pytest.raises(DomainError) as raised:
        call()
    return raised.value


class TestRefusals:
    @pytest.mark.parametrize("name", EVERY_LIST)
    def test_the_mash_may_not_list(self, lists: ReadModels, name: str) -> None:
        refused = refusal(lambda: EVERY_LIST[name](lists, MASH))
        assert (type(refused), refused.code) == (Forbidden, "lists-not-for-mash")

    @pytest.mark.parametrize("name", EVERY_LIST)
    def test_an_auditor_must_name_the_authority(self, lists: ReadModels, name: str) -> None:
        refused = refusal(lambda: EVERY_LIST[name](lists, AUDITOR))
        assert (type(refused), refused.code) == (InvalidInput, "authority-required")

    @pytest.mark.parametrize("name", EVERY_LIST)
    def test_an_authority_may_list_only_its_own(self, lists: ReadModels, name: str) -> None:
        refused = refusal(lambda: EVERY_LIST[name](lists, SOMERSET, authority="801"))
        assert (type(refused), refused.code) == (Forbidden, "not-own-authority")

    @pytest.mark.parametrize("actor", [SOMERSET, AUDITOR], ids=["authority", "auditor"])
    @pytest.mark.parametrize("name", EVERY_LIST)
    def test_an_unknown_authority_is_refused(
        self, lists: ReadModels, name: str, actor: Actor
    ) -> None:
        refused = refusal(lambda: EVERY_LIST[name](lists, actor, authority="999"))
        assert (type(refused), refused.code) == (InvalidInput, "unknown-authority")

    @pytest.mark.parametrize(
        ("arguments", "expected"),
        [
            ({"status": "pending"}, "invalid-status"),
            ({"at": datetime(2026, 11, 26, 9)}, "invalid-instant"),
            ({"limit": 0}, "invalid-limit"),
            ({"limit": MAX_LIMIT + 1}, "invalid-limit"),
            ({"cursor": "not a cursor"}, "invalid-cursor"),
            ({"cursor": "eyJmIjoiYSJ9"}, "invalid-cursor"),  # {"f":"a"}: no key
        ],
    )
    def test_malformed_caseload_arguments_are_refused(
        self, lists: ReadModels, arguments: dict[str, Any], expected: str
    ) -> None:
        refused = refusal(lambda: lists.caseload(SOMERSET, **arguments))
        assert (type(refused), refused.code) == (InvalidInput, expected)

    @pytest.mark.parametrize(
        ("arguments", "expected"),
        [({"direction": "sideways"}, "invalid-direction"), ({"stage": "done"}, "invalid-stage")],
    )
    def test_an_unknown_direction_or_stage_is_refused(
        self, lists: ReadModels, arguments: dict[str, Any], expected: str
    ) -> None:
        refused = refusal(lambda: lists.transfers(SOMERSET, **arguments))
        assert (type(refused), refused.code) == (InvalidInput, expected)

    def test_a_cursor_made_for_other_filters_is_refused(
        self, desk: Desk, lists: ReadModels
    ) -> None:
        for _ in range(2):
            desk.propose(desk.open(), SOMERSET, BRISTOL)
        cursor = lists.caseload(AUDITOR, authority="933", limit=1).next_cursor
        transfers = lists.transfers(SOMERSET, limit=1).next_cursor
        assert cursor is not None and transfers is not None

        for call in (
            lambda: lists.caseload(AUDITOR, authority="801", cursor=cursor),
            lambda: lists.caseload(AUDITOR, authority="933", status="closed", cursor=cursor),
            lambda: lists.transfers(SOMERSET, cursor=cursor),
            lambda: lists.transfers(SOMERSET, stage="proposed", cursor=transfers),
        ):
            assert refusal(call).code == "invalid-cursor"
        assert len(lists.caseload(AUDITOR, authority="933", cursor=cursor).items) == 1


class TestReadYourWrites:
    def test_every_list_shows_a_write_made_just_before(
        self, desk: Desk, lists: ReadModels, read_store: ReadStore
    ) -> None:
        case_id = desk.open(reference="JUST-NOW")
        assert case_ids(lists.caseload(SOMERSET)) == [case_id]
        assert case_ids(lists.cases_by_local_reference(MASH, "JUST-NOW")) == [case_id]

        transfer_id = desk.propose(case_id)
        assert transfer_ids(lists.transfers(BRISTOL)) == [transfer_id]
        assert [e.item.transfer_id for e in lists.worklist(SOMERSET).items] == [transfer_id]

        closed = desk.close(desk.open())
        page = lists.caseload(SOMERSET, status="closed")
        assert case_ids(page) == [closed.case.id]
        assert page.position >= closed.position
