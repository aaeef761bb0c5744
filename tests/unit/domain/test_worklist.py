"""The worklist: what each authority must do next on a case, and by when.

One class per kind of item: when it appears, who owes it, when it is due (counted in
England and Wales working days, so across weekends and the Christmas bank holidays of
2026: Friday 25 and Monday 28 December), and each step that makes it no longer due.
``T0`` is Thursday 26 November 2026, 09:00 UTC.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from service.domain.calendar import add_working_days, is_working_day
from service.domain.case import Case
from service.domain.decision_timescales import DECISION_KINDS
from service.domain.worklist import (
    AGREE_NEW_DATE,
    ASSESS_AFTER_HANDOVER,
    CONFIRM_RECEIPT,
    DECIDE_TRANSFER,
    KINDS,
    RESPOND_TO_DATE,
    SHARE_INFORMATION,
    Timescales,
    WorkItem,
    work_for,
)

from .conftest import (
    BRISTOL,
    DAY,
    HOUR,
    LEEDS,
    SOMERSET,
    T0,
    TODAY,
    assess,
    hand_over,
    new_events,
    open_case,
    propose,
    ready_to_accept,
    replay,
    share,
)

DEFAULT = Timescales()
CHRISTMAS = date(2026, 12, 25)
BOXING_DAY_SUBSTITUTE = date(2026, 12, 28)


def owed(case: Case) -> list[tuple[str, str]]:
    """The (kind, authority) of every item on the case's worklist, in order."""
    return [(i.kind, i.authority) for i in work_for(case)]


def the_item(case: Case, kind: str, authority: str) -> WorkItem:
    [found] = [i for i in work_for(case) if (i.kind, i.authority) == (kind, authority)]
    return found


def proposed() -> tuple[Case, UUID]:
    """Somerset's case, just proposed to Bristol at ``T0``."""
    case = open_case()
    return case, propose(case)


def shared(at: datetime = T0) -> tuple[Case, UUID]:
    """Somerset assessed, proposed to Bristol and shared information, all at ``at``."""
    case = open_case(now=at)
    assess(case, now=at)
    transfer_id = propose(case, now=at)
    share(case, transfer_id, now=at)
    return case, transfer_id


def test_the_christmas_bank_holidays_are_not_working_days() -> None:
    assert not is_working_day(CHRISTMAS)
    assert not is_working_day(BOXING_DAY_SUBSTITUTE)
    assert is_working_day(date(2026, 12, 24))
    assert is_working_day(date(2026, 12, 29))


class TestShareInformation:
    def test_due_five_working_days_after_proposal(self) -> None:
        case, transfer_id = proposed()

        assert owed(case) == [(SHARE_INFORMATION, "933")]
        [item] = work_for(case)
        assert item == WorkItem(
            SHARE_INFORMATION, "933", case.id, transfer_id, "801", TODAY, TODAY, None
        )
        # Thursday plus five working days, over the weekend, is the next Thursday.
        assert item.due_on(DEFAULT) == date(2026, 12, 3)

    def test_due_date_skips_the_christmas_bank_holidays(self) -> None:
        case = open_case()
        propose(case, now=datetime(2026, 12, 18, 9, tzinfo=UTC))

        [item] = work_for(case)
        # 21, 22, 23, 24 and then 29 December: 25 to 28 are a bank holiday and weekend.
        assert item.due_on(DEFAULT) == date(2026, 12, 29)

    def test_counted_from_the_london_date_of_the_proposal(self) -> None:
        summer_night = datetime(2027, 6, 14, 23, 30, tzinfo=UTC)  # 00:30 on 15 June in London
        case = open_case(now=summer_night - HOUR)
        propose(case, now=summer_night)

        [item] = work_for(case)
        assert (item.counted_from, item.visible_from) == (date(2027, 6, 15), date(2027, 6, 15))
        assert item.due_on(DEFAULT) == date(2027, 6, 22)

    def test_no_longer_due_once_information_is_shared(self) -> None:
        case, transfer_id = proposed()
        share(case, transfer_id, now=T0 + HOUR)

        assert (SHARE_INFORMATION, "933") not in owed(case)

    def test_no_longer_due_once_declined(self) -> None:
        case, transfer_id = proposed()
        case.decline_transfer(by=BRISTOL, now=T0 + HOUR, transfer_id=transfer_id, reason="No.")

        assert work_for(case) == []

    def test_no_longer_due_once_withdrawn(self) -> None:
        case, transfer_id = proposed()
        case.withdraw_transfer(
            by=SOMERSET, now=T0 + HOUR, transfer_id=transfer_id, reason="Stayed."
        )

        assert work_for(case) == []


class TestConfirmReceipt:
    def test_due_two_working_days_after_information_is_first_shared(self) -> None:
        friday = datetime(2026, 11, 27, 9, tzinfo=UTC)
        case, transfer_id = shared(at=friday)

        item = the_item(case, CONFIRM_RECEIPT, "801")
        assert (item.transfer_id, item.counterpart) == (transfer_id, "933")
        assert (item.counted_from, item.visible_from) == (date(2026, 11, 27), date(2026, 11, 27))
        assert item.due_on(DEFAULT) == date(2026, 12, 1)  # Monday, Tuesday

    def test_counted_from_when_the_first_share_was_recorded(self) -> None:
        case, transfer_id = proposed()
        # Recorded on Friday, saying it was shared on Thursday; then more on Monday.
        case.share_information(
            by=SOMERSET,
            now=T0 + DAY,
            transfer_id=transfer_id,
            categories=["chronology"],
            references=[],
            shared_on=TODAY,
        )
        share(case, transfer_id, now=T0 + 4 * DAY)

        assert the_item(case, CONFIRM_RECEIPT, "801").counted_from == date(2026, 11, 27)

    def test_no_longer_due_once_receipt_is_confirmed(self) -> None:
        case, transfer_id = shared()
        case.confirm_information_received(by=BRISTOL, now=T0 + HOUR, transfer_id=transfer_id)

        assert owed(case) == [(DECIDE_TRANSFER, "801")]

    def test_no_longer_due_once_accepted(self) -> None:
        walk = ready_to_accept(on=TODAY + 7 * DAY)
        walk.case.accept_responsibility(by=BRISTOL, now=T0 + HOUR, transfer_id=walk.transfer_id)

        assert owed(walk.case) == [(ASSESS_AFTER_HANDOVER, "801")]

    def test_no_longer_due_once_declined(self) -> None:
        case, transfer_id = shared()
        case.decline_transfer(by=BRISTOL, now=T0 + HOUR, transfer_id=transfer_id, reason="No.")

        assert work_for(case) == []

    def test_no_longer_due_once_withdrawn(self) -> None:
        case, transfer_id = shared()
        case.withdraw_transfer(
            by=SOMERSET, now=T0 + HOUR, transfer_id=transfer_id, reason="Stayed."
        )

        assert work_for(case) == []


class TestDecideTransfer:
    def test_due_ten_working_days_after_information_is_first_shared(self) -> None:
        case, transfer_id = shared()

        assert owed(case) == [(CONFIRM_RECEIPT, "801"), (DECIDE_TRANSFER, "801")]
        item = the_item(case, DECIDE_TRANSFER, "801")
        assert (item.transfer_id, item.counterpart, item.counted_from) == (
            transfer_id,
            "933",
            TODAY,
        )
        assert item.due_on(DEFAULT) == date(2026, 12, 10)

    def test_due_date_skips_christmas_and_new_year(self) -> None:
        case, _ = shared(at=datetime(2026, 12, 23, 9, tzinfo=UTC))

        item = the_item(case, DECIDE_TRANSFER, "801")
        # 24, 29, 30, 31 December, then 4 to 8 and 11 January (1 January is a holiday).
        assert item.due_on(DEFAULT) == date(2027, 1, 11)

    def test_still_due_after_receipt_is_confirmed(self) -> None:
        case, transfer_id = shared()
        case.confirm_information_received(by=BRISTOL, now=T0 + HOUR, transfer_id=transfer_id)

        assert the_item(case, DECIDE_TRANSFER, "801").counted_from == TODAY

    def test_no_longer_due_once_accepted(self) -> None:
        walk = ready_to_accept(on=TODAY + 7 * DAY)
        assert (DECIDE_TRANSFER, "801") in owed(walk.case)

        walk.case.accept_responsibility(by=BRISTOL, now=T0 + HOUR, transfer_id=walk.transfer_id)

        assert (DECIDE_TRANSFER, "801") not in owed(walk.case)

    def test_no_longer_due_once_declined(self) -> None:
        case, transfer_id = shared()
        case.decline_transfer(by=BRISTOL, now=T0 + HOUR, transfer_id=transfer_id, reason="No.")

        assert (DECIDE_TRANSFER, "801") not in owed(case)

    def test_no_longer_due_once_withdrawn(self) -> None:
        case, transfer_id = shared()
        case.withdraw_transfer(
            by=SOMERSET, now=T0 + HOUR, transfer_id=transfer_id, reason="Stayed."
        )

        assert (DECIDE_TRANSFER, "801") not in owed(case)


class TestRespondToDateProposal:
    def test_the_other_party_responds_by_the_proposed_date(self) -> None:
        case, transfer_id = proposed()
        case.propose_transfer_date(
            by=SOMERSET, now=T0 + DAY, transfer_id=transfer_id, on=date(2026, 12, 10)
        )

        assert owed(case) == [(SHARE_INFORMATION, "933"), (RESPOND_TO_DATE, "801")]
        item = the_item(case, RESPOND_TO_DATE, "801")
        assert item.counterpart == "933"
        assert (item.counted_from, item.visible_from) == (date(2026, 11, 27), date(2026, 11, 27))
        assert item.deadline == date(2026, 12, 10)
        assert item.due_on(Timescales(share_information=0)) == date(2026, 12, 10)

    def test_a_counter_proposal_passes_the_response_back(self) -> None:
        case, transfer_id = proposed()
        case.propose_transfer_date(by=SOMERSET, now=T0, transfer_id=transfer_id, on=TODAY)
        case.propose_transfer_date(
            by=BRISTOL, now=T0 + HOUR, transfer_id=transfer_id, on=date(2026, 12, 7)
        )

        [item] = [i for i in work_for(case) if i.kind == RESPOND_TO_DATE]
        assert (item.authority, item.counterpart) == ("933", "801")
        assert item.deadline == date(2026, 12, 7)

    def test_no_longer_due_once_the_date_is_agreed(self) -> None:
        case, transfer_id = proposed()
        case.propose_transfer_date(by=SOMERSET, now=T0, transfer_id=transfer_id, on=TODAY)
        case.agree_transfer_date(by=BRISTOL, now=T0 + HOUR, transfer_id=transfer_id, on=TODAY)

        assert RESPOND_TO_DATE not in [kind for kind, _ in owed(case)]

    def test_no_longer_due_once_declined(self) -> None:
        case, transfer_id = proposed()
        case.propose_transfer_date(by=SOMERSET, now=T0, transfer_id=transfer_id, on=TODAY)
        case.decline_transfer(by=BRISTOL, now=T0 + HOUR, transfer_id=transfer_id, reason="No.")

        assert work_for(case) == []

    def test_no_longer_due_once_withdrawn(self) -> None:
        case, transfer_id = proposed()
        case.propose_transfer_date(by=BRISTOL, now=T0, transfer_id=transfer_id, on=TODAY)
        case.withdraw_transfer(
            by=SOMERSET, now=T0 + HOUR, transfer_id=transfer_id, reason="Stayed."
        )

        assert work_for(case) == []


class TestAgreeNewDate:
    def test_both_parties_owe_one_from_the_day_after_the_agreed_date(self) -> None:
        walk = ready_to_accept(on=date(2026, 12, 3))

        assert owed(walk.case) == [
            (CONFIRM_RECEIPT, "801"),
            (DECIDE_TRANSFER, "801"),
            (AGREE_NEW_DATE, "933"),
            (AGREE_NEW_DATE, "801"),
        ]
        somerset = the_item(walk.case, AGREE_NEW_DATE, "933")
        bristol = the_item(walk.case, AGREE_NEW_DATE, "801")
        assert (somerset.counterpart, bristol.counterpart) == ("801", "933")
        for item in (somerset, bristol):
            assert item.counted_from == item.visible_from == item.deadline == date(2026, 12, 4)
            assert not item.shown_on(date(2026, 12, 3))
            assert item.shown_on(date(2026, 12, 4))
            assert item.due_on(DEFAULT) == date(2026, 12, 4)

    def test_a_new_proposal_replaces_it_with_a_response(self) -> None:
        walk = ready_to_accept(on=date(2026, 12, 3))
        lapsed = datetime(2026, 12, 4, 9, tzinfo=UTC)
        walk.case.propose_transfer_date(
            by=BRISTOL, now=lapsed, transfer_id=walk.transfer_id, on=date(2026, 12, 10)
        )

        assert AGREE_NEW_DATE not in [kind for kind, _ in owed(walk.case)]
        item = the_item(walk.case, RESPOND_TO_DATE, "933")
        assert (item.visible_from, item.deadline) == (date(2026, 12, 4), date(2026, 12, 10))

    def test_no_longer_due_once_accepted(self) -> None:
        walk = ready_to_accept(on=date(2026, 12, 3))
        walk.case.accept_responsibility(by=BRISTOL, now=T0 + HOUR, transfer_id=walk.transfer_id)

        assert AGREE_NEW_DATE not in [kind for kind, _ in owed(walk.case)]

    def test_no_longer_due_once_declined(self) -> None:
        walk = ready_to_accept(on=date(2026, 12, 3))
        walk.case.decline_transfer(
            by=BRISTOL, now=T0 + HOUR, transfer_id=walk.transfer_id, reason="No."
        )

        assert work_for(walk.case) == []

    def test_no_longer_due_once_withdrawn(self) -> None:
        walk = ready_to_accept(on=date(2026, 12, 3))
        walk.case.withdraw_transfer(
            by=SOMERSET, now=T0 + HOUR, transfer_id=walk.transfer_id, reason="Stayed."
        )

        assert work_for(walk.case) == []


class TestAssessAfterHandover:
    def test_due_forty_five_working_days_after_the_effective_date(self) -> None:
        case = open_case()
        hand_over(case, frm=SOMERSET, to=BRISTOL, now=T0, on=TODAY)
        transfer_id = next(iter(case.transfers))

        [item] = work_for(case)
        assert item == WorkItem(
            ASSESS_AFTER_HANDOVER, "801", case.id, transfer_id, "933", TODAY, TODAY, None
        )
        # Across Christmas and New Year: three bank holidays on weekdays.
        assert item.due_on(DEFAULT) == date(2027, 2, 2)

    def test_a_scheduled_handover_is_listed_now_but_shown_from_the_effective_date(self) -> None:
        case = open_case()
        hand_over(case, frm=SOMERSET, to=BRISTOL, now=T0, on=date(2026, 12, 3))

        [item] = work_for(case)
        assert (item.kind, item.authority) == (ASSESS_AFTER_HANDOVER, "801")
        assert item.counted_from == item.visible_from == date(2026, 12, 3)
        assert not item.shown_on(TODAY)
        assert item.shown_on(date(2026, 12, 3))

    def test_counted_from_the_london_date_of_a_summer_handover(self) -> None:
        now = datetime(2027, 6, 10, 9, tzinfo=UTC)
        case = open_case(now=now)
        effective_at = hand_over(case, frm=SOMERSET, to=BRISTOL, now=now, on=date(2027, 6, 15))

        assert effective_at == datetime(2027, 6, 14, 23, tzinfo=UTC)
        assert the_item(case, ASSESS_AFTER_HANDOVER, "801").counted_from == date(2027, 6, 15)

    def test_the_originating_authoritys_assessment_does_not_count(self) -> None:
        case = open_case()
        hand_over(case, frm=SOMERSET, to=BRISTOL, now=T0, on=date(2026, 12, 3))

        assert [a.authority for a in case.assessments] == ["933"]
        assert owed(case) == [(ASSESS_AFTER_HANDOVER, "801")]

    def test_no_longer_due_once_the_receiving_authority_assesses(self) -> None:
        case = open_case()
        hand_over(case, frm=SOMERSET, to=BRISTOL, now=T0, on=TODAY)
        assess(case, by=BRISTOL, now=T0 + 3 * DAY)

        assert work_for(case) == []

    def test_an_assessment_from_an_earlier_period_does_not_count(self) -> None:
        case = open_case()
        hand_over(case, frm=SOMERSET, to=BRISTOL, now=T0, on=TODAY)
        hand_over(case, frm=BRISTOL, to=SOMERSET, now=T0 + DAY, on=TODAY + DAY)
        hand_over(case, frm=SOMERSET, to=BRISTOL, now=T0 + 2 * DAY, on=TODAY + 2 * DAY)

        assert "801" in [a.authority for a in case.assessments]
        item = the_item(case, ASSESS_AFTER_HANDOVER, "801")
        assert item.counted_from == date(2026, 11, 28)

    def test_only_the_latest_handover_counts(self) -> None:
        case = open_case()
        hand_over(case, frm=SOMERSET, to=BRISTOL, now=T0, on=TODAY)
        hand_over(case, frm=BRISTOL, to=LEEDS, now=T0 + DAY, on=TODAY + DAY)
        second = list(case.transfers)[1]

        [item] = work_for(case)
        assert (item.kind, item.authority, item.counterpart) == (
            ASSESS_AFTER_HANDOVER,
            "383",
            "801",
        )
        assert (item.transfer_id, item.counted_from) == (second, TODAY + DAY)

    def test_nothing_once_a_scheduled_handover_is_withdrawn(self) -> None:
        case = open_case()
        hand_over(case, frm=SOMERSET, to=BRISTOL, now=T0, on=date(2026, 12, 3))
        transfer_id = next(iter(case.transfers))
        case.withdraw_transfer(
            by=SOMERSET, now=T0 + HOUR, transfer_id=transfer_id, reason="Stayed."
        )

        assert work_for(case) == []


class TestEndedTransfersAndClosedCases:
    def test_a_case_with_no_transfer_owes_nothing(self) -> None:
        case = open_case()
        assess(case)

        assert work_for(case) == []

    def test_a_declined_transfer_leaves_nothing_behind_a_new_one(self) -> None:
        walk = ready_to_accept(on=date(2026, 12, 3))
        walk.case.decline_transfer(
            by=BRISTOL, now=T0 + HOUR, transfer_id=walk.transfer_id, reason="No."
        )
        second = propose(walk.case, to=LEEDS, now=T0 + 2 * HOUR)

        [item] = work_for(walk.case)
        assert (item.kind, item.authority, item.transfer_id) == (SHARE_INFORMATION, "933", second)

    def test_a_closed_case_owes_nothing(self) -> None:
        case = open_case()
        hand_over(case, frm=SOMERSET, to=BRISTOL, now=T0, on=TODAY)
        assert owed(case) == [(ASSESS_AFTER_HANDOVER, "801")]

        case.close(by=BRISTOL, now=T0 + DAY, reason_code="RC8")

        assert work_for(case) == []


class TestWorkItem:
    ITEM = WorkItem(
        SHARE_INFORMATION,
        "933",
        UUID(int=1),
        UUID(int=2),
        "801",
        counted_from=date(2026, 11, 27),  # a Friday
        visible_from=date(2026, 11, 27),
        deadline=None,
    )

    def test_due_on_counts_the_working_days_the_timescales_allow(self) -> None:
        assert self.ITEM.due_on(Timescales(share_information=0)) == date(2026, 11, 27)
        assert self.ITEM.due_on(Timescales(share_information=1)) == date(2026, 11, 30)
        assert self.ITEM.due_on(Timescales(share_information=5)) == date(2026, 12, 4)

    def test_due_on_uses_a_fixed_deadline_whatever_the_timescales(self) -> None:
        fixed = replace(self.ITEM, kind=RESPOND_TO_DATE, deadline=date(2027, 1, 1))

        assert fixed.due_on(DEFAULT) == date(2027, 1, 1)

    def test_shown_from_the_visible_date(self) -> None:
        later = replace(self.ITEM, visible_from=date(2026, 12, 1))

        assert not later.shown_on(date(2026, 11, 30))
        assert later.shown_on(date(2026, 12, 1))
        assert later.shown_on(date(2026, 12, 2))

    def test_overdue_only_after_the_due_date(self) -> None:
        due = self.ITEM.due_on(DEFAULT)
        assert due == add_working_days(date(2026, 11, 27), 5)

        assert not self.ITEM.overdue(due - DAY, DEFAULT)
        assert not self.ITEM.overdue(due, DEFAULT)
        assert self.ITEM.overdue(due + DAY, DEFAULT)

    def test_overdue_follows_the_timescales(self) -> None:
        today = date(2026, 12, 1)

        assert self.ITEM.overdue(today, Timescales(share_information=1))
        assert not self.ITEM.overdue(today, Timescales(share_information=2))

    def test_item_id_names_the_case_transfer_kind_and_authority(self) -> None:
        assert self.ITEM.item_id == (
            "00000000-0000-0000-0000-000000000001/"
            "00000000-0000-0000-0000-000000000002/share-information/933"
        )
        assert replace(self.ITEM, transfer_id=None).item_id.split("/")[1] == "-"

    def test_item_ids_are_unique_within_a_busy_worklist(self) -> None:
        walk = ready_to_accept(on=date(2026, 12, 3))

        ids = [i.item_id for i in work_for(walk.case)]
        assert len(ids) == 4
        assert len(set(ids)) == len(ids)


class TestTimescales:
    def test_defaults_follow_the_national_procedure(self) -> None:
        assert (
            DEFAULT.days_for(SHARE_INFORMATION),
            DEFAULT.days_for(CONFIRM_RECEIPT),
            DEFAULT.days_for(DECIDE_TRANSFER),
            DEFAULT.days_for(ASSESS_AFTER_HANDOVER),
        ) == (5, 2, 10, 45)

    FIELDS = ("share_information", "confirm_receipt", "decide_transfer", "assess_after_handover")

    @pytest.mark.parametrize("field", FIELDS)
    def test_refuses_a_negative_number_of_days(self, field: str) -> None:
        with pytest.raises(ValueError, match=field):
            Timescales(**{field: -1})  # type: ignore[arg-type]

    @pytest.mark.parametrize("days", [2.5, "5", True])
    def test_refuses_anything_but_whole_days(self, days: object) -> None:
        with pytest.raises(ValueError, match="decide_transfer"):
            Timescales(decide_transfer=days)  # type: ignore[arg-type]

    def test_accepts_zero_days(self) -> None:
        assert Timescales(confirm_receipt=0).days_for(CONFIRM_RECEIPT) == 0

    @pytest.mark.parametrize("kind", [RESPOND_TO_DATE, AGREE_NEW_DATE, "unknown"])
    def test_date_kinds_have_no_timescale(self, kind: str) -> None:
        with pytest.raises(ValueError):
            DEFAULT.days_for(kind)

    def test_every_kind_is_listed_once(self) -> None:
        assert len(set(KINDS)) == len(KINDS) == 6 + len(DECISION_KINDS)


class TestRebuild:
    def test_a_rebuilt_case_gives_the_same_worklist(self) -> None:
        case = open_case()
        hand_over(case, frm=SOMERSET, to=BRISTOL, now=T0, on=TODAY)
        second = propose(case, by=BRISTOL, to=LEEDS, now=T0 + DAY)
        nine_days_on = TODAY + 9 * DAY
        case.propose_transfer_date(by=LEEDS, now=T0 + 2 * DAY, transfer_id=second, on=nine_days_on)
        share(case, second, by=BRISTOL, now=T0 + 3 * DAY)
        before = work_for(case)

        rebuilt = replay(new_events(case))

        assert [(i.kind, i.authority) for i in before] == [
            (CONFIRM_RECEIPT, "383"),
            (DECIDE_TRANSFER, "383"),
            (RESPOND_TO_DATE, "801"),
            (ASSESS_AFTER_HANDOVER, "801"),
        ]
        assert work_for(rebuilt) == before
