"""Opening and closing a case, one owner at every instant, and who may do what.

Rules 1 (one owner from opening to closure) and 7 (who may do what), and replay: the
events alone rebuild the case. The child index is ``test_child_index.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import ClassVar

import pytest

from service.domain.actors import Actor
from service.domain.case import CLOSED, OPEN, Case
from service.domain.case.responsibility import Responsibility
from service.domain.errors import Forbidden, InvalidInput, RuleViolation

from .conftest import (
    AUDITOR,
    BRISTOL,
    DAY,
    HOUR,
    LEEDS,
    MASH,
    MICROSECOND,
    NHS_NUMBER,
    SOMERSET,
    T0,
    TODAY,
    Walk,
    assess,
    event_types,
    hand_over,
    new_events,
    open_case,
    propose,
    ready_to_accept,
    replay,
    settle,
    share,
)


class TestOpening:
    def test_the_opening_authority_is_responsible_from_the_opening_instant(self) -> None:
        case = open_case(now=T0)

        assert case.responsibility_at(T0) == Responsibility("933", T0, None)
        assert case.responsibility_at(T0 + 365 * DAY).authority == "933"
        assert case.status == OPEN

    def test_nobody_is_responsible_before_the_case_is_opened(self) -> None:
        case = open_case(now=T0)

        assert case.responsibility_at(T0 - MICROSECOND) == Responsibility(None, None, T0)

    def test_opening_records_who_opened_it_and_the_child(self) -> None:
        case = open_case(now=T0, nhs_number="943 476 5919", local_reference=" SOM-1 ")

        [opened] = new_events(case)
        assert isinstance(opened, Case.CaseOpened)
        assert opened.timestamp == T0
        assert opened.actor == SOMERSET
        assert opened.authority == "933"
        assert opened.local_reference == "SOM-1"
        assert opened.nhs_number == NHS_NUMBER
        assert opened.date_of_birth == date(2019, 5, 4)
        assert opened.expected_date_of_birth is None
        assert case.local_references == {"933": "SOM-1"}

    def test_an_unborn_child_is_opened_with_an_expected_date_of_birth(self) -> None:
        case = open_case(
            nhs_number=None, date_of_birth=None, expected_date_of_birth=TODAY + 90 * DAY
        )

        assert case.expected_date_of_birth == TODAY + 90 * DAY
        assert case.nhs_number is None

    def test_refused_with_an_invalid_nhs_number(self) -> None:
        with pytest.raises(InvalidInput) as e:
            open_case(nhs_number="9434765918")
        assert e.value.code == "invalid-nhs-number"

    @pytest.mark.parametrize(
        ("born", "expected"), [(None, None), (date(2019, 5, 4), date(2027, 3, 1))]
    )
    def test_refused_without_exactly_one_birth_date(
        self, born: date | None, expected: date | None
    ) -> None:
        with pytest.raises(InvalidInput) as e:
            open_case(date_of_birth=born, expected_date_of_birth=expected)
        assert e.value.code == "birth-date-required"

    def test_refused_with_a_date_of_birth_in_the_future(self) -> None:
        with pytest.raises(InvalidInput) as e:
            open_case(date_of_birth=TODAY + DAY)
        assert e.value.code == "date-in-future"

    def test_a_child_born_today_in_london_is_accepted(self) -> None:
        # 23:30 UTC on 14 June is already 15 June in London.
        now = T0.replace(month=6, day=14, hour=23, minute=30)
        case = open_case(now=now, date_of_birth=date(2026, 6, 15))

        assert case.date_of_birth == date(2026, 6, 15)

    @pytest.mark.parametrize("days", [-43, 301])
    def test_refused_with_an_implausible_expected_date_of_birth(self, days: int) -> None:
        with pytest.raises(InvalidInput) as e:
            open_case(date_of_birth=None, expected_date_of_birth=TODAY + timedelta(days=days))
        assert e.value.code == "implausible-expected-date-of-birth"

    @pytest.mark.parametrize(
        ("reference", "refusal"),
        [("   ", "text-required"), ("R" * 65, "text-too-long"), ("SOM\x001", "control-characters")],
    )
    def test_refused_with_a_bad_local_reference(self, reference: str, refusal: str) -> None:
        with pytest.raises(InvalidInput) as e:
            open_case(local_reference=reference)
        assert e.value.code == refusal

    def test_a_local_reference_of_64_characters_is_accepted(self) -> None:
        assert open_case(local_reference="R" * 64).local_references == {"933": "R" * 64}

    @pytest.mark.parametrize("actor", [MASH, AUDITOR])
    def test_refused_to_mash_and_auditors(self, actor: Actor) -> None:
        with pytest.raises(Forbidden) as e:
            open_case(by=actor)
        assert e.value.code == "role-not-permitted"


class TestLocalReferences:
    def test_the_other_authority_records_its_own_reference(self, walk: Walk) -> None:
        walk.case.record_local_reference(by=BRISTOL, now=T0 + HOUR, reference="BRI/77")

        [recorded] = new_events(walk.case)
        assert isinstance(recorded, Case.LocalReferenceRecorded)
        assert recorded.authority == "801"
        assert (recorded.reference, recorded.replaces) == ("BRI/77", None)
        assert walk.case.local_references == {"933": "SOM-2026-0001", "801": "BRI/77"}

    def test_a_new_reference_points_at_the_one_it_replaces(self, case: Case) -> None:
        case.record_local_reference(by=SOMERSET, now=T0 + HOUR, reference="SOM-2")

        [recorded] = new_events(case)
        assert isinstance(recorded, Case.LocalReferenceRecorded)
        assert recorded.replaces == "SOM-2026-0001"

    def test_recording_the_same_reference_again_records_nothing(self, case: Case) -> None:
        case.record_local_reference(by=SOMERSET, now=T0 + HOUR, reference="SOM-2026-0001")

        assert new_events(case) == []


class TestClosure:
    def test_nobody_is_responsible_from_the_closing_instant(self, case: Case) -> None:
        closed_at = T0 + 30 * DAY
        case.close(by=SOMERSET, now=closed_at, reason_code="RC8")

        [closed] = new_events(case)
        assert isinstance(closed, Case.CaseClosed)
        assert (closed.reason_code, closed.timestamp, closed.actor) == ("RC8", closed_at, SOMERSET)
        assert case.status == CLOSED
        assert case.closure_reason == "RC8"
        assert case.responsibility_at(closed_at - MICROSECOND).authority == "933"
        assert case.responsibility_at(closed_at) == Responsibility(None, closed_at, None)
        assert case.responsibility_at(closed_at + 365 * DAY).authority is None

    def test_refused_with_an_unknown_closure_reason(self, case: Case) -> None:
        with pytest.raises(InvalidInput) as e:
            case.close(by=SOMERSET, now=T0 + HOUR, reason_code="RC10")
        assert e.value.code == "unknown-closure-reason"

    def test_refused_while_a_transfer_is_proposed(self, case: Case) -> None:
        propose(case, now=T0 + HOUR)

        with pytest.raises(RuleViolation) as e:
            case.close(by=SOMERSET, now=T0 + 2 * HOUR, reason_code="RC5")
        assert e.value.code == "transfer-in-progress"

    def test_refused_after_acceptance_until_the_hand_over(self, walk: Walk) -> None:
        effective = walk.case.accept_responsibility(
            by=BRISTOL, now=T0 + HOUR, transfer_id=walk.transfer_id
        )

        with pytest.raises(RuleViolation) as e:
            walk.case.close(by=SOMERSET, now=effective - MICROSECOND, reason_code="RC5")
        assert e.value.code == "transfer-in-progress"

    def test_the_new_authority_closes_after_the_hand_over(self, walk: Walk) -> None:
        effective = walk.case.accept_responsibility(
            by=BRISTOL, now=T0 + HOUR, transfer_id=walk.transfer_id
        )
        settle(walk.case)

        walk.case.close(by=BRISTOL, now=effective + DAY, reason_code="RC7")

        assert event_types(new_events(walk.case)) == [Case.CaseClosed]
        assert walk.case.responsibility_at(effective).authority == "801"
        assert walk.case.responsibility_at(effective + DAY - MICROSECOND).authority == "801"
        assert walk.case.responsibility_at(effective + DAY).authority is None

    def test_a_withdrawn_transfer_no_longer_blocks_closure(self, case: Case) -> None:
        transfer_id = propose(case, now=T0 + HOUR)
        case.withdraw_transfer(
            by=SOMERSET, now=T0 + 2 * HOUR, transfer_id=transfer_id, reason="Stayed put."
        )

        case.close(by=SOMERSET, now=T0 + 3 * HOUR, reason_code="RC7")

        assert case.status == CLOSED


class TestStepsOnAClosedCase:
    @pytest.fixture
    def closed(self) -> Walk:
        walk = ready_to_accept()
        walk.case.decline_transfer(
            by=BRISTOL, now=T0 + HOUR, transfer_id=walk.transfer_id, reason="Not resident."
        )
        walk.case.close(by=SOMERSET, now=T0 + 2 * HOUR, reason_code="RC7")
        settle(walk.case)
        return walk

    STEPS: ClassVar[dict[str, Callable[[Walk], object]]] = {
        "assess": lambda w: assess(w.case, now=T0 + DAY),
        "propose": lambda w: propose(w.case, now=T0 + DAY),
        "share": lambda w: share(w.case, w.transfer_id, now=T0 + DAY),
        "confirm": lambda w: w.case.confirm_information_received(
            by=BRISTOL, now=T0 + DAY, transfer_id=w.transfer_id
        ),
        "propose date": lambda w: w.case.propose_transfer_date(
            by=SOMERSET, now=T0 + DAY, transfer_id=w.transfer_id, on=w.on
        ),
        "accept": lambda w: w.case.accept_responsibility(
            by=BRISTOL, now=T0 + DAY, transfer_id=w.transfer_id
        ),
        "withdraw": lambda w: w.case.withdraw_transfer(
            by=SOMERSET, now=T0 + DAY, transfer_id=w.transfer_id, reason="Moved back."
        ),
        "close": lambda w: w.case.close(by=SOMERSET, now=T0 + DAY, reason_code="RC7"),
        "record local reference": lambda w: w.case.record_local_reference(
            by=SOMERSET, now=T0 + DAY, reference="SOM-2"
        ),
    }

    @pytest.mark.parametrize("step", STEPS)
    def test_refused_as_case_closed(self, closed: Walk, step: str) -> None:
        with pytest.raises(RuleViolation) as e:
            self.STEPS[step](closed)
        assert e.value.code == "case-closed"
        assert new_events(closed.case) == []


class TestOneOwnerAtEveryInstant:
    def test_each_instant_has_exactly_one_owner_across_two_hand_overs(self) -> None:
        case = open_case(now=T0)
        to_bristol = hand_over(case, frm=SOMERSET, to=BRISTOL, now=T0 + HOUR)
        to_leeds = hand_over(case, frm=BRISTOL, to=LEEDS, now=to_bristol + DAY)
        closed_at = to_leeds + 3 * DAY
        case.close(by=LEEDS, now=closed_at, reason_code="RC7")

        expected = [
            (T0 - MICROSECOND, None),
            (T0, "933"),
            (to_bristol - MICROSECOND, "933"),
            (to_bristol, "801"),
            (to_leeds - MICROSECOND, "801"),
            (to_leeds, "383"),
            (closed_at - MICROSECOND, "383"),
            (closed_at, None),
        ]
        assert [(t, case.responsibility_at(t).authority) for t, _ in expected] == expected
        assert [(p.authority, p.since, p.until) for p in case.periods] == [
            ("933", T0, to_bristol),
            ("801", to_bristol, to_leeds),
            ("383", to_leeds, closed_at),
        ]

    def test_the_answer_says_how_long_it_holds(self) -> None:
        case = open_case(now=T0)
        effective = hand_over(case, frm=SOMERSET, to=BRISTOL, now=T0 + HOUR)

        assert case.responsibility_at(T0 + HOUR) == Responsibility("933", T0, effective)
        assert case.responsibility_at(effective) == Responsibility("801", effective, None)


class TestWhoMayDoWhat:
    """Rule 7: the responsible authority proposes, assesses, shares, withdraws, closes;
    the receiving authority accepts, declines, confirms receipt."""

    BY_THE_RESPONSIBLE: ClassVar[dict[str, Callable[[Walk, Actor], object]]] = {
        "propose": lambda w, by: propose(w.case, by=by, to=LEEDS, now=w.now + HOUR),
        "assess": lambda w, by: assess(w.case, by=by, now=w.now + HOUR),
        "share": lambda w, by: share(w.case, w.transfer_id, by=by, now=w.now + HOUR),
        "withdraw": lambda w, by: w.case.withdraw_transfer(
            by=by, now=w.now + HOUR, transfer_id=w.transfer_id, reason="Changed our minds."
        ),
        "close": lambda w, by: w.case.close(by=by, now=w.now + HOUR, reason_code="RC7"),
    }
    BY_THE_RECEIVING: ClassVar[dict[str, Callable[[Walk, Actor], object]]] = {
        "accept": lambda w, by: w.case.accept_responsibility(
            by=by, now=w.now + HOUR, transfer_id=w.transfer_id
        ),
        "decline": lambda w, by: w.case.decline_transfer(
            by=by, now=w.now + HOUR, transfer_id=w.transfer_id, reason="Not ours."
        ),
        "confirm receipt": lambda w, by: w.case.confirm_information_received(
            by=by, now=w.now + HOUR, transfer_id=w.transfer_id
        ),
    }
    BY_EITHER_PARTY: ClassVar[dict[str, Callable[[Walk, Actor], object]]] = {
        "propose date": lambda w, by: w.case.propose_transfer_date(
            by=by, now=w.now + HOUR, transfer_id=w.transfer_id, on=w.on + DAY
        ),
        "agree date": lambda w, by: w.case.agree_transfer_date(
            by=by, now=w.now + HOUR, transfer_id=w.transfer_id, on=w.on
        ),
        "record local reference": lambda w, by: w.case.record_local_reference(
            by=by, now=w.now + HOUR, reference="X-1"
        ),
    }

    @pytest.mark.parametrize("step", BY_THE_RESPONSIBLE)
    def test_refused_to_the_receiving_authority_as_not_responsible(
        self, walk: Walk, step: str
    ) -> None:
        with pytest.raises(RuleViolation) as e:
            self.BY_THE_RESPONSIBLE[step](walk, BRISTOL)
        assert e.value.code == "not-responsible-authority"
        assert new_events(walk.case) == []

    @pytest.mark.parametrize("step", BY_THE_RESPONSIBLE)
    def test_refused_to_the_originating_authority_once_the_hand_over_has_happened(
        self, step: str
    ) -> None:
        case = open_case()
        effective = hand_over(case, frm=SOMERSET, to=BRISTOL, now=T0)
        # A new transfer from Bristol, so "withdraw" and "share" have a live target.
        walk = ready_to_accept(case, frm=BRISTOL, to=LEEDS, now=effective)
        settle(case)
        later = Walk(case, walk.transfer_id, walk.on, effective)

        with pytest.raises(RuleViolation) as e:
            self.BY_THE_RESPONSIBLE[step](later, SOMERSET)
        assert e.value.code == "not-responsible-authority"

    @pytest.mark.parametrize("step", BY_THE_RECEIVING)
    def test_refused_to_the_originating_authority_as_not_receiving(
        self, walk: Walk, step: str
    ) -> None:
        with pytest.raises(RuleViolation) as e:
            self.BY_THE_RECEIVING[step](walk, SOMERSET)
        assert e.value.code == "not-receiving-authority"
        assert new_events(walk.case) == []

    @pytest.mark.parametrize("step", BY_THE_RECEIVING)
    def test_refused_to_a_third_authority_as_not_receiving(self, walk: Walk, step: str) -> None:
        with pytest.raises(RuleViolation) as e:
            self.BY_THE_RECEIVING[step](walk, LEEDS)
        assert e.value.code == "not-receiving-authority"

    def test_a_proposer_cannot_agree_its_own_date(self, case: Case) -> None:
        transfer_id = propose(case)
        on = TODAY + 7 * DAY
        case.propose_transfer_date(by=SOMERSET, now=T0, transfer_id=transfer_id, on=on)

        with pytest.raises(RuleViolation) as e:
            case.agree_transfer_date(by=SOMERSET, now=T0, transfer_id=transfer_id, on=on)
        assert e.value.code == "agreement-needs-other-authority"

    def test_a_previous_holder_is_not_a_party_to_the_next_transfer(self) -> None:
        case = open_case()
        effective = hand_over(case, frm=SOMERSET, to=BRISTOL, now=T0)
        transfer_id = propose(case, by=BRISTOL, to=LEEDS, now=effective)
        on = TODAY + 14 * DAY
        case.propose_transfer_date(by=BRISTOL, now=effective, transfer_id=transfer_id, on=on)
        settle(case)

        with pytest.raises(RuleViolation) as proposing:
            case.propose_transfer_date(by=SOMERSET, now=effective, transfer_id=transfer_id, on=on)
        with pytest.raises(RuleViolation) as agreeing:
            case.agree_transfer_date(by=SOMERSET, now=effective, transfer_id=transfer_id, on=on)
        assert proposing.value.code == agreeing.value.code == "not-transfer-party"
        assert new_events(case) == []

    @pytest.mark.parametrize("actor", [MASH, AUDITOR])
    @pytest.mark.parametrize("step", [*BY_THE_RESPONSIBLE, *BY_THE_RECEIVING, *BY_EITHER_PARTY])
    def test_mash_and_auditors_may_not_change_the_record(
        self, walk: Walk, actor: Actor, step: str
    ) -> None:
        steps = self.BY_THE_RESPONSIBLE | self.BY_THE_RECEIVING | self.BY_EITHER_PARTY

        with pytest.raises(Forbidden) as e:
            steps[step](walk, actor)
        assert e.value.code == "role-not-permitted"
        assert new_events(walk.case) == []


class TestReplay:
    """The events alone rebuild the case: nothing lives outside them."""

    def test_a_full_history_rebuilds_the_same_case(self) -> None:
        case = open_case(now=T0)
        first = assess(case, now=T0)
        assess(case, now=T0 + HOUR, corrects=first, primary_need_code="N4")
        declined = propose(case, now=T0 + HOUR)
        share(case, declined, now=T0 + HOUR)
        case.decline_transfer(
            by=BRISTOL, now=T0 + 2 * HOUR, transfer_id=declined, reason="Not resident."
        )
        walk = ready_to_accept(case, now=T0 + DAY, on=TODAY + 3 * DAY)
        case.confirm_information_received(by=BRISTOL, now=T0 + DAY, transfer_id=walk.transfer_id)
        case.accept_responsibility(by=BRISTOL, now=T0 + DAY, transfer_id=walk.transfer_id)
        case.withdraw_transfer(
            by=SOMERSET, now=T0 + 2 * DAY, transfer_id=walk.transfer_id, reason="Moved back."
        )
        effective = hand_over(case, frm=SOMERSET, to=LEEDS, now=T0 + 3 * DAY)
        case.record_local_reference(by=LEEDS, now=effective, reference="LDS-9")
        case.close(by=LEEDS, now=effective + DAY, reason_code="RC7")

        rebuilt = replay(new_events(case))

        assert rebuilt.periods == case.periods
        assert rebuilt.transfers == case.transfers
        assert rebuilt.assessments == case.assessments
        assert rebuilt.local_references == case.local_references
        assert (rebuilt.status, rebuilt.closure_reason) == (CLOSED, "RC7")
        assert rebuilt.version == case.version

    def test_replaying_a_prefix_gives_the_case_as_it_stood(self) -> None:
        case = open_case(now=T0)
        walk = ready_to_accept(case, now=T0 + HOUR)
        case.accept_responsibility(by=BRISTOL, now=T0 + 2 * HOUR, transfer_id=walk.transfer_id)
        events = new_events(case)

        before_acceptance = replay(events[:-1])

        assert [p.authority for p in before_acceptance.periods] == ["933"]
        assert before_acceptance.active_transfer(T0 + 2 * HOUR) is not None
        assert [p.authority for p in replay(events).periods] == ["933", "801"]
