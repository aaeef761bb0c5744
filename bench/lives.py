"""The life of one case through a simulated year, as the domain's own commands record it.

Each life is a generator: it yields the instant of its next step, and when resumed at
that instant it performs the step on the in-memory aggregates (so every rule of the
domain checks it) and yields the instant of the step after. The driver
(``generate.py``) resumes the lives of every case in time order and stops a life at
the end of the simulated period, which leaves each transfer at whatever stage it had
reached then: proposed, information shared, receipt confirmed, a date proposed or
agreed, accepted with the hand-over still to come, completed, declined or withdrawn.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID

from eventsourcing.domain import Aggregate

from service.domain.actors import Actor
from service.domain.calendar import london_date, start_of_london_day
from service.domain.case import Case
from service.domain.child_index import ChildIndex
from service.domain.reference import assessment_factors, closure_reasons

DAY = timedelta(days=1)
FACTORS = sorted(assessment_factors())
REASONS = sorted(closure_reasons())
CATEGORIES = ["assessment", "child in need plan", "chronology", "case notes", "health", "school"]
SUMMARY = (
    "Home visit and school contact. Concerns about neglect and the parent's mental health; "
    "the child is attending school but often late and hungry. Plan reviewed with the family."
)

Life = Iterator[datetime]
Touch = Callable[[Aggregate], None]


def case_system(code: str) -> Actor:
    """The case system of authority ``code``, named as the benchmark's principals are."""
    return Actor(f"bench case system {code}", "authority", code)


@dataclass
class Tally:
    """What the simulation recorded: each transfer's stage, and cases opened and closed."""

    stages: dict[UUID, str] = field(default_factory=dict)
    effective: dict[UUID, datetime] = field(default_factory=dict)
    opened: int = 0
    closed: int = 0


@dataclass
class Child:
    """The child a case is opened for: born (with or without an NHS number) or unborn."""

    nhs_number: str | None
    date_of_birth: date | None
    expected_date_of_birth: date | None


class Lives:
    """Makes the life of each case; the odds are those of a national year of children in need."""

    TRANSFER_ODDS = 0.38  # so that about a fifth of cases see a transfer within the year
    DECLINE_ODDS = 0.08
    WITHDRAW_ODDS = 0.06
    COUNTER_PROPOSAL_ODDS = 0.15
    MEAN_OPEN_DAYS = 300.0

    def __init__(
        self, rng: random.Random, authorities: list[str], touch: Touch, tally: Tally, key: bytes
    ) -> None:
        self.rng = rng
        self.authorities = authorities
        self.weights = [rng.lognormvariate(0, 0.6) for _ in authorities]
        self.touch = touch
        self.tally = tally
        self.key = key

    def authority(self, other_than: str | None = None) -> str:
        while True:
            code = self.rng.choices(self.authorities, self.weights)[0]
            if code != other_than:
                return code

    def after(self, at: datetime, low_days: float, high_days: float) -> datetime:
        return at + timedelta(days=self.rng.uniform(low_days, high_days))

    def child(self, opened_at: datetime, nhs_number: str) -> Child:
        """Most children have an NHS number; an unborn child has an expected date of birth."""
        today, roll = london_date(opened_at), self.rng.random()
        if roll < 0.04:
            return Child(None, None, today + timedelta(days=self.rng.randint(30, 250)))
        born = today - timedelta(days=self.rng.randint(0, 17 * 365))
        return Child(None if roll < 0.08 else nhs_number, born, None)

    def life(
        self, opened_at: datetime, child: Child, on_opened: Callable[[UUID, str], None]
    ) -> Life:
        """Open, assess, review, perhaps transfer and perhaps close one case."""
        rng, at = self.rng, opened_at
        holder = case_system(self.authority())
        yield at
        case = Case.open(
            by=holder,
            now=at,
            local_reference=f"{holder.authority}-{rng.randrange(10**8):08d}",
            nhs_number=child.nhs_number,
            date_of_birth=child.date_of_birth,
            expected_date_of_birth=child.expected_date_of_birth,
        )
        index = None
        if child.nhs_number is not None:
            index = ChildIndex.start(child.nhs_number, self.key)
            index.add_open_case(case.id, by=holder, now=at, load=lambda _: case)  # none open
            self.touch(index)
        self.touch(case)
        self.tally.opened += 1
        on_opened(case.id, str(holder.authority))
        closes_at = at + timedelta(days=rng.expovariate(1 / self.MEAN_OPEN_DAYS))
        transfer_at = None
        at = self.after(at, 5, 45)
        yield at
        self._assess(case, holder, at)
        at = case.modified_on  # after a correction, if one was made
        if rng.random() < self.TRANSFER_ODDS:
            transfer_at = self.after(at, 1, 150)
        if rng.random() < 0.5:
            at = self.after(at, 1, 20)
            yield at
            reference = f"{holder.authority}-M{rng.randrange(10**6):06d}"
            case.record_local_reference(by=holder, now=at, reference=reference)
            self.touch(case)
        while True:
            review_at = self.after(at, 10, 32)
            if transfer_at is not None and transfer_at <= min(review_at, closes_at):
                at = max(at, transfer_at)
                holder = yield from self._transfer(case, holder, at)
                at, transfer_at = case.modified_on, None
                continue
            if closes_at <= review_at:
                at = max(at, closes_at)
                yield at
                case.close(by=holder, now=at, reason_code=rng.choice(REASONS))
                if index is not None:
                    index.close_case(case.id)
                    self.touch(index)
                self.touch(case)
                self.tally.closed += 1
                return
            yield review_at
            self._assess(case, holder, review_at)
            at = case.modified_on

    def _assess(self, case: Case, by: Actor, at: datetime) -> None:
        rng = self.rng
        assessment_id = case.record_assessment(
            by=by,
            now=at,
            completed_on=london_date(at),
            factors=_factors(rng),
            primary_need_code=f"N{rng.randint(0, 9)}",
            summary=SUMMARY,
        )
        if rng.random() < 0.1:  # a correction, a new event pointing at what it corrects
            case.record_assessment(
                by=by,
                now=at + timedelta(minutes=rng.uniform(5, 120)),
                completed_on=london_date(at),
                factors=_factors(rng),
                primary_need_code=f"N{rng.randint(0, 9)}",
                summary=SUMMARY + " Corrected: the factors recorded first were incomplete.",
                corrects=assessment_id,
            )
        self.touch(case)

    def _transfer(
        self, case: Case, holder: Actor, at: datetime
    ) -> Generator[datetime, None, Actor]:
        """Every step of one transfer; returns the authority responsible afterwards."""
        rng, stages = self.rng, self.tally.stages
        receiver = case_system(self.authority(other_than=holder.authority))
        yield at
        transfer_id = case.propose_transfer(
            by=holder, now=at, to_authority=str(receiver.authority), reason="The family moved."
        )
        stages[transfer_id] = "proposed"
        self.touch(case)
        if rng.random() < self.WITHDRAW_ODDS:
            at = self.after(at, 1, 20)
            yield at
            case.withdraw_transfer(
                by=holder, now=at, transfer_id=transfer_id, reason="The family stayed."
            )
            stages[transfer_id] = "withdrawn"
            self.touch(case)
            return holder
        for _ in range(rng.choice((1, 1, 2, 3))):
            at = self.after(at, 0.5, 5)
            yield at
            case.share_information(
                by=holder,
                now=at,
                transfer_id=transfer_id,
                categories=rng.sample(CATEGORIES, rng.randint(1, 3)),
                references=[f"DOC-{rng.randrange(10**6)}"],
                shared_on=london_date(at),
            )
            stages[transfer_id] = "information shared"
            self.touch(case)
        at = self.after(at, 0.5, 3)
        yield at
        case.confirm_information_received(by=receiver, now=at, transfer_id=transfer_id)
        stages[transfer_id] = "receipt confirmed"
        at = self.after(at, 0.01, 0.5)  # the receiving authority opens its own record
        yield at
        case.record_local_reference(
            by=receiver, now=at, reference=f"{receiver.authority}-{rng.randrange(10**8):08d}"
        )
        self.touch(case)
        if rng.random() < self.DECLINE_ODDS:
            at = self.after(at, 1, 10)
            yield at
            case.decline_transfer(
                by=receiver, now=at, transfer_id=transfer_id, reason="Not resident here."
            )
            stages[transfer_id] = "declined"
            self.touch(case)
            return holder
        proposer, agreer = rng.choice(((holder, receiver), (receiver, holder)))
        on = yield from self._propose_date(case, transfer_id, proposer, at := self.after(at, 1, 5))
        if rng.random() < self.COUNTER_PROPOSAL_ODDS:
            proposer, agreer = agreer, proposer
            at = self.after(at, 0.5, 3)
            on = yield from self._propose_date(case, transfer_id, proposer, at)
        at = self.after(at, 0.2, 2)
        yield at
        case.agree_transfer_date(by=agreer, now=at, transfer_id=transfer_id, on=on)
        stages[transfer_id] = "date agreed"
        self.touch(case)
        at = min(self.after(at, 0.2, 3), start_of_london_day(on) + timedelta(hours=12))
        yield at
        effective_at = case.accept_responsibility(by=receiver, now=at, transfer_id=transfer_id)
        stages[transfer_id] = "accepted"
        self.tally.effective[transfer_id] = effective_at
        self.touch(case)
        at = self.after(max(at, effective_at), 10, 45)
        yield at
        self._assess(case, receiver, at)
        return receiver

    def _propose_date(
        self, case: Case, transfer_id: UUID, by: Actor, at: datetime
    ) -> Generator[datetime, None, date]:
        yield at
        on = london_date(at) + timedelta(days=self.rng.randint(7, 28))
        case.propose_transfer_date(by=by, now=at, transfer_id=transfer_id, on=on)
        self.tally.stages[transfer_id] = "date proposed"
        self.touch(case)
        return on


def nhs_numbers(first: int) -> Iterator[str]:
    """Distinct valid NHS numbers (Modulus 11), counting up from the nine digits ``first``."""
    for stem in range(first, 10**9):
        digits = f"{stem:09d}"
        check = 11 - sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        check = 0 if check == 11 else check
        if check != 10 and len(set(digits + str(check))) > 1:
            yield digits + str(check)


def _factors(rng: random.Random) -> list[str]:
    """One to four factors; "21" (no factors identified) only ever alone (CIN census 8869)."""
    drawn = rng.sample(FACTORS, rng.randint(1, 4))
    return ["21"] if "21" in drawn else drawn
