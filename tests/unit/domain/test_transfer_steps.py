"""The steps before acceptance: proposing a transfer, sharing information, agreeing a date.

Rules 4 (one transfer in progress), 3 (no backdating: no transfer date in the past) and
the agreement half of rule 7 (a date binds only when the other authority agrees it).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from service.domain.actors import Actor
from service.domain.case import Case
from service.domain.case.transfer import DECLINED, PROPOSED, WITHDRAWN
from service.domain.errors import InvalidInput, NotFound, RuleViolation

from .conftest import (
    BRISTOL,
    DAY,
    HOUR,
    LEEDS,
    SOMERSET,
    T0,
    TODAY,
    Walk,
    agree_date,
    event_types,
    new_events,
    propose,
    settle,
    share,
)


class TestProposal:
    def test_proposing_names_both_authorities_and_the_reason(self, case: Case) -> None:
        transfer_id = propose(case, to=BRISTOL, now=T0 + HOUR, reason="  Moved to Bristol.  ")

        [proposed] = new_events(case)
        assert isinstance(proposed, Case.TransferProposed)
        assert proposed.transfer_id == transfer_id
        assert (proposed.from_authority, proposed.to_authority) == ("933", "801")
        assert proposed.reason == "Moved to Bristol."
        assert (proposed.actor, proposed.timestamp) == (SOMERSET, T0 + HOUR)
        transfer = case.transfer(transfer_id)
        assert transfer.stage(T0 + HOUR) == PROPOSED
        assert case.active_transfer(T0 + HOUR) is transfer

    def test_the_originating_authority_stays_responsible_while_it_is_proposed(
        self, case: Case
    ) -> None:
        propose(case, now=T0 + HOUR)

        assert case.responsible_authority(T0 + 30 * DAY) == "933"
        assert [p.authority for p in case.periods] == ["933"]

    def test_the_receiving_authority_becomes_a_party(self, case: Case) -> None:
        assert case.parties() == {"933"}

        propose(case, to=LEEDS)

        assert case.parties() == {"933", "383"}

    @pytest.mark.parametrize("to", [BRISTOL, LEEDS])
    def test_refused_while_another_transfer_is_in_progress(self, case: Case, to: Actor) -> None:
        propose(case, to=BRISTOL, now=T0)
        settle(case)

        with pytest.raises(RuleViolation) as e:
            propose(case, to=to, now=T0 + HOUR)
        assert e.value.code == "transfer-in-progress"
        assert new_events(case) == []

    def test_refused_to_the_authority_already_responsible(self, case: Case) -> None:
        with pytest.raises(RuleViolation) as e:
            propose(case, to=SOMERSET)
        assert e.value.code == "transfer-to-responsible-authority"

    @pytest.mark.parametrize("to", ["999", "E06000066", "", "Bristol"])
    def test_refused_to_an_unknown_authority(self, case: Case, to: str) -> None:
        with pytest.raises(InvalidInput) as e:
            case.propose_transfer(by=SOMERSET, now=T0, to_authority=to, reason="Moved.")
        assert e.value.code == "unknown-authority"

    @pytest.mark.parametrize(
        ("reason", "refusal"),
        [
            (" \n\t ", "text-required"),
            ("x" * 10_001, "text-too-long"),
            ("Moved.\x1b[2J", "control-characters"),
        ],
    )
    def test_refused_with_a_bad_reason(self, case: Case, reason: str, refusal: str) -> None:
        with pytest.raises(InvalidInput) as e:
            propose(case, reason=reason)
        assert e.value.code == refusal

    def test_a_reason_of_ten_thousand_characters_with_line_breaks_is_accepted(
        self, case: Case
    ) -> None:
        reason = ("Moved.\r\n\t" * 1_000)[:10_000]

        transfer_id = propose(case, reason=reason)

        assert case.transfer(transfer_id).reason == reason.strip()

    def test_a_new_transfer_may_be_proposed_once_the_last_was_declined(self, walk: Walk) -> None:
        walk.case.decline_transfer(
            by=BRISTOL, now=T0 + HOUR, transfer_id=walk.transfer_id, reason="Not resident."
        )

        again = propose(walk.case, to=LEEDS, now=T0 + 2 * HOUR)

        assert walk.case.transfer(walk.transfer_id).stage(T0 + 2 * HOUR) == DECLINED
        assert walk.case.active_transfer(T0 + 2 * HOUR) is walk.case.transfer(again)

    def test_a_new_transfer_may_be_proposed_once_the_last_was_withdrawn(self, walk: Walk) -> None:
        walk.case.withdraw_transfer(
            by=SOMERSET, now=T0 + HOUR, transfer_id=walk.transfer_id, reason="Stayed."
        )

        again = propose(walk.case, to=BRISTOL, now=T0 + 2 * HOUR)

        assert walk.case.transfer(walk.transfer_id).stage(T0 + 2 * HOUR) == WITHDRAWN
        assert walk.case.active_transfer(T0 + 2 * HOUR) is walk.case.transfer(again)


class TestInformationSharing:
    def test_sharing_records_what_was_shared(self, case: Case) -> None:
        transfer_id = propose(case)
        settle(case)

        case.share_information(
            by=SOMERSET,
            now=T0 + HOUR,
            transfer_id=transfer_id,
            categories=["assessment", "chronology"],
            references=["DOC-1"],
            shared_on=TODAY - DAY,
            note="Sent by secure email.",
        )

        [shared] = new_events(case)
        assert isinstance(shared, Case.InformationShared)
        assert shared.transfer_id == transfer_id
        assert shared.categories == ["assessment", "chronology"]
        assert shared.references == ["DOC-1"]
        assert shared.shared_on == TODAY - DAY
        assert shared.note == "Sent by secure email."
        assert case.transfer(transfer_id).information_shared

    def test_information_may_be_shared_several_times(self, case: Case) -> None:
        transfer_id = propose(case)
        share(case, transfer_id, now=T0)
        share(case, transfer_id, now=T0 + DAY)

        assert len(case.transfer(transfer_id).information) == 2

    def test_refused_without_categories(self, case: Case) -> None:
        transfer_id = propose(case)

        with pytest.raises(InvalidInput) as e:
            case.share_information(
                by=SOMERSET,
                now=T0,
                transfer_id=transfer_id,
                categories=[],
                references=[],
                shared_on=TODAY,
            )
        assert e.value.code == "categories-required"

    @pytest.mark.parametrize(
        ("references", "refusal"),
        [
            (["D" * 65], "text-too-long"),
            ([""], "text-required"),
            (["DOC\x07"], "control-characters"),
            ([f"DOC-{i}" for i in range(51)], "too-many-items"),
        ],
    )
    def test_refused_with_bad_references(
        self, case: Case, references: list[str], refusal: str
    ) -> None:
        transfer_id = propose(case)

        with pytest.raises(InvalidInput) as e:
            case.share_information(
                by=SOMERSET,
                now=T0,
                transfer_id=transfer_id,
                categories=["assessment"],
                references=references,
                shared_on=TODAY,
            )
        assert e.value.code == refusal

    def test_refused_with_a_note_over_ten_thousand_characters(self, case: Case) -> None:
        transfer_id = propose(case)

        with pytest.raises(InvalidInput) as e:
            case.share_information(
                by=SOMERSET,
                now=T0,
                transfer_id=transfer_id,
                categories=["assessment"],
                references=[],
                shared_on=TODAY,
                note="n" * 10_001,
            )
        assert e.value.code == "text-too-long"

    def test_refused_when_shared_in_the_future(self, case: Case) -> None:
        transfer_id = propose(case)

        with pytest.raises(InvalidInput) as e:
            case.share_information(
                by=SOMERSET,
                now=T0,
                transfer_id=transfer_id,
                categories=["assessment"],
                references=[],
                shared_on=TODAY + DAY,
            )
        assert e.value.code == "date-in-future"

    def test_refused_for_an_unknown_transfer(self, case: Case) -> None:
        propose(case)

        with pytest.raises(NotFound) as e:
            share(case, uuid4())
        assert e.value.code == "transfer-not-found"

    def test_refused_for_a_declined_transfer(self, walk: Walk) -> None:
        walk.case.decline_transfer(
            by=BRISTOL, now=T0 + HOUR, transfer_id=walk.transfer_id, reason="Not resident."
        )

        with pytest.raises(RuleViolation) as e:
            share(walk.case, walk.transfer_id, now=T0 + 2 * HOUR)
        assert e.value.code == "no-transfer-in-progress"


class TestInformationReceipt:
    def test_the_receiving_authority_confirms_receipt(self, walk: Walk) -> None:
        walk.case.confirm_information_received(
            by=BRISTOL, now=T0 + HOUR, transfer_id=walk.transfer_id
        )

        [confirmed] = new_events(walk.case)
        assert isinstance(confirmed, Case.InformationReceiptConfirmed)
        assert (confirmed.transfer_id, confirmed.actor) == (walk.transfer_id, BRISTOL)
        assert walk.case.transfer(walk.transfer_id).information_received_at == T0 + HOUR

    def test_refused_before_anything_was_shared(self, case: Case) -> None:
        transfer_id = propose(case)

        with pytest.raises(RuleViolation) as e:
            case.confirm_information_received(by=BRISTOL, now=T0, transfer_id=transfer_id)
        assert e.value.code == "information-not-shared"

    def test_refused_for_a_withdrawn_transfer(self, walk: Walk) -> None:
        walk.case.withdraw_transfer(
            by=SOMERSET, now=T0 + HOUR, transfer_id=walk.transfer_id, reason="Stayed."
        )

        with pytest.raises(RuleViolation) as e:
            walk.case.confirm_information_received(
                by=BRISTOL, now=T0 + 2 * HOUR, transfer_id=walk.transfer_id
            )
        assert e.value.code == "no-transfer-in-progress"


class TestTransferDates:
    def test_the_originating_authority_proposes_and_the_receiving_one_agrees(
        self, case: Case
    ) -> None:
        transfer_id = propose(case)
        settle(case)
        on = TODAY + 7 * DAY

        case.propose_transfer_date(by=SOMERSET, now=T0, transfer_id=transfer_id, on=on)
        case.agree_transfer_date(by=BRISTOL, now=T0 + HOUR, transfer_id=transfer_id, on=on)

        proposed, agreed = new_events(case)
        assert isinstance(proposed, Case.TransferDateProposed)
        assert isinstance(agreed, Case.TransferDateAgreed)
        assert (proposed.date, proposed.actor) == (on, SOMERSET)
        assert (agreed.date, agreed.actor) == (on, BRISTOL)
        transfer = case.transfer(transfer_id)
        assert transfer.agreed_date == on
        assert transfer.date_agreed(T0 + HOUR)

    def test_an_agreed_date_is_not_agreed_twice(self, case: Case) -> None:
        transfer_id = propose(case)
        on = TODAY + 7 * DAY
        case.propose_transfer_date(by=SOMERSET, now=T0, transfer_id=transfer_id, on=on)
        case.agree_transfer_date(by=BRISTOL, now=T0, transfer_id=transfer_id, on=on)
        settle(case)

        with pytest.raises(RuleViolation) as refused:
            case.agree_transfer_date(by=BRISTOL, now=T0 + HOUR, transfer_id=transfer_id, on=on)

        assert refused.value.code == "transfer-date-already-agreed"
        assert new_events(case) == []

    def test_the_receiving_authority_may_propose_and_the_originating_one_agree(
        self, case: Case
    ) -> None:
        transfer_id = propose(case)

        agree_date(case, transfer_id, TODAY + DAY, proposer=BRISTOL, agreer=SOMERSET)

        assert case.transfer(transfer_id).agreed_date == TODAY + DAY

    def test_a_proposed_date_is_not_agreed_until_the_other_authority_agrees(
        self, case: Case
    ) -> None:
        transfer_id = propose(case)

        case.propose_transfer_date(by=SOMERSET, now=T0, transfer_id=transfer_id, on=TODAY)

        transfer = case.transfer(transfer_id)
        assert transfer.agreed_date is None
        assert not transfer.date_agreed(T0)

    def test_a_new_proposal_sets_aside_the_agreed_date(self, walk: Walk) -> None:
        walk.case.propose_transfer_date(
            by=BRISTOL, now=T0 + HOUR, transfer_id=walk.transfer_id, on=walk.on + DAY
        )

        transfer = walk.case.transfer(walk.transfer_id)
        assert transfer.agreed_date is None
        assert transfer.date_proposal is not None
        assert (transfer.date_proposal.date, transfer.date_proposal.proposed_by) == (
            walk.on + DAY,
            "801",
        )

    def test_refused_to_propose_a_date_in_the_past(self, case: Case) -> None:
        transfer_id = propose(case)

        with pytest.raises(InvalidInput) as e:
            case.propose_transfer_date(by=SOMERSET, now=T0, transfer_id=transfer_id, on=TODAY - DAY)
        assert e.value.code == "date-in-past"

    def test_today_is_the_london_date(self, case: Case) -> None:
        # 23:30 UTC on 14 June is 00:30 on 15 June in London (BST).
        now = datetime(2027, 6, 14, 23, 30, tzinfo=UTC)
        transfer_id = propose(case, now=now)

        with pytest.raises(InvalidInput) as e:
            case.propose_transfer_date(
                by=SOMERSET, now=now, transfer_id=transfer_id, on=date(2027, 6, 14)
            )
        case.propose_transfer_date(
            by=SOMERSET, now=now, transfer_id=transfer_id, on=date(2027, 6, 15)
        )
        assert e.value.code == "date-in-past"

    def test_refused_to_agree_a_date_that_has_passed(self, case: Case) -> None:
        transfer_id = propose(case)
        case.propose_transfer_date(by=SOMERSET, now=T0, transfer_id=transfer_id, on=TODAY)

        with pytest.raises(InvalidInput) as e:
            case.agree_transfer_date(by=BRISTOL, now=T0 + DAY, transfer_id=transfer_id, on=TODAY)
        assert e.value.code == "date-in-past"

    def test_refused_to_agree_when_no_date_was_proposed(self, case: Case) -> None:
        transfer_id = propose(case)

        with pytest.raises(RuleViolation) as e:
            case.agree_transfer_date(by=BRISTOL, now=T0, transfer_id=transfer_id, on=TODAY)
        assert e.value.code == "no-date-proposed"

    def test_refused_to_agree_a_different_date(self, case: Case) -> None:
        transfer_id = propose(case)
        case.propose_transfer_date(by=SOMERSET, now=T0, transfer_id=transfer_id, on=TODAY)

        with pytest.raises(RuleViolation) as e:
            case.agree_transfer_date(by=BRISTOL, now=T0, transfer_id=transfer_id, on=TODAY + DAY)
        assert e.value.code == "transfer-date-mismatch"

    def test_an_agreed_date_lapses_once_it_has_passed(self, walk: Walk) -> None:
        transfer = walk.case.transfer(walk.transfer_id)
        start_of_next_day = datetime.combine(walk.on + DAY, datetime.min.time(), UTC)

        assert transfer.date_agreed(start_of_next_day - HOUR)
        assert not transfer.date_lapsed(start_of_next_day - HOUR)
        assert not transfer.date_agreed(start_of_next_day)
        assert transfer.date_lapsed(start_of_next_day)

    def test_a_lapsed_date_can_be_replaced_by_a_new_agreement(self, walk: Walk) -> None:
        later = datetime.combine(walk.on + 2 * DAY, datetime.min.time(), UTC)

        agree_date(walk.case, walk.transfer_id, walk.on + 5 * DAY, now=later)

        assert walk.case.transfer(walk.transfer_id).date_agreed(later)

    @pytest.mark.parametrize("agreeing", [False, True])
    def test_refused_once_the_transfer_was_accepted(self, walk: Walk, agreeing: bool) -> None:
        walk.case.accept_responsibility(by=BRISTOL, now=T0 + HOUR, transfer_id=walk.transfer_id)
        settle(walk.case)

        with pytest.raises(RuleViolation) as e:
            if agreeing:
                walk.case.agree_transfer_date(
                    by=SOMERSET, now=T0 + HOUR, transfer_id=walk.transfer_id, on=walk.on
                )
            else:
                walk.case.propose_transfer_date(
                    by=SOMERSET, now=T0 + HOUR, transfer_id=walk.transfer_id, on=walk.on + DAY
                )
        assert e.value.code == "transfer-already-accepted"
        assert new_events(walk.case) == []

    def test_refused_for_an_unknown_transfer(self, case: Case) -> None:
        with pytest.raises(NotFound) as e:
            case.propose_transfer_date(by=SOMERSET, now=T0, transfer_id=uuid4(), on=TODAY)
        assert e.value.code == "transfer-not-found"

    def test_the_helper_records_a_proposal_then_an_agreement(self, case: Case) -> None:
        transfer_id = propose(case)
        settle(case)

        agree_date(case, transfer_id, TODAY)

        assert event_types(new_events(case)) == [
            Case.TransferDateProposed,
            Case.TransferDateAgreed,
        ]
