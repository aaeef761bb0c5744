"""Guards that keep the record consistent whatever the caller: time order, roles first."""

from __future__ import annotations

from uuid import uuid4

import pytest

from service.domain.errors import Forbidden, RuleViolation

from .conftest import (
    BRISTOL,
    DAY,
    HOUR,
    LEEDS,
    MASH,
    SOMERSET,
    T0,
    open_case,
    propose,
    ready_to_accept,
)


class TestRecordedTimeOrder:
    def test_refuses_a_step_recorded_before_the_last_one(self) -> None:
        case = open_case(now=T0)

        with pytest.raises(ValueError, match="time order"):
            case.record_local_reference(by=SOMERSET, now=T0 - HOUR, reference="SOM-2")

    def test_allows_a_step_at_the_same_instant_as_the_last(self) -> None:
        case = open_case(now=T0)

        propose(case, now=T0)

        assert case.active_transfer(T0) is not None


class TestRolesAreCheckedFirst:
    def test_mash_is_refused_before_an_unknown_transfer_is_looked_up(self) -> None:
        case = open_case()

        with pytest.raises(Forbidden) as refused:
            case.accept_responsibility(by=MASH, now=T0, transfer_id=uuid4())

        assert refused.value.code == "role-not-permitted"


class TestLocalReferences:
    def test_refused_for_an_authority_that_is_no_party_to_the_case(self) -> None:
        case = open_case()

        with pytest.raises(RuleViolation) as refused:
            case.record_local_reference(by=LEEDS, now=T0, reference="LDS-1")

        assert refused.value.code == "not-case-party"

    def test_recorded_for_the_receiving_side_of_a_transfer(self) -> None:
        case = open_case()
        propose(case)

        case.record_local_reference(by=BRISTOL, now=T0, reference="BRS-1")

        assert case.local_references["801"] == "BRS-1"


class TestInformationNotes:
    def test_a_blank_note_is_recorded_as_no_note(self) -> None:
        case = open_case()
        transfer_id = propose(case)

        case.share_information(
            by=SOMERSET,
            now=T0,
            transfer_id=transfer_id,
            categories=["plan"],
            references=[],
            shared_on=T0.date(),
            note="   ",
        )

        assert case.transfer(transfer_id).information[-1].note == ""


class TestAgreedDateAfterAcceptance:
    def test_stays_agreed_once_accepted_even_after_the_date(self) -> None:
        walk = ready_to_accept()
        walk.case.accept_responsibility(by=BRISTOL, now=T0, transfer_id=walk.transfer_id)
        transfer = walk.case.transfer(walk.transfer_id)

        assert transfer.date_agreed(T0 + 30 * DAY)

    def test_lapses_when_the_date_passes_unaccepted(self) -> None:
        walk = ready_to_accept()
        transfer = walk.case.transfer(walk.transfer_id)

        assert not transfer.date_agreed(T0 + 30 * DAY)
