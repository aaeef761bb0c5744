"""The child index: one open case per child, and whom a refused opener is told to contact.

A second case for a child who has an open one is refused, and the refusal names the
authority responsible for the open case (code and name, nothing else), so a council
that finds a child already known elsewhere knows whom to call. Told to an authority
that is not a party to that case, the refusal is a disclosure the API records.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import pytest

from service.domain.actors import Actor
from service.domain.case import Case
from service.domain.child_index import ChildHasOpenCaseError, ChildIndex

from .conftest import BRISTOL, DAY, LEEDS, NHS_NUMBER, SOMERSET, T0, hand_over, open_case

INDEX_KEY = b"a test child index key"


def loader(*cases: Case) -> dict[UUID, Case]:
    return {case.id: case for case in cases}


class TestOneOpenCasePerChild:
    def test_a_second_open_case_for_the_same_child_is_refused(self) -> None:
        index = ChildIndex.start(NHS_NUMBER, INDEX_KEY)
        first = open_case()
        index.add_open_case(first.id, by=SOMERSET, now=T0, load=loader(first).__getitem__)

        with pytest.raises(ChildHasOpenCaseError) as e:
            index.add_open_case(
                open_case(by=BRISTOL).id, by=BRISTOL, now=T0, load=loader(first).__getitem__
            )
        assert e.value.code == "child-has-open-case"
        assert index.case_ids == [first.id]

    def test_closing_the_open_case_lets_a_new_one_open(self) -> None:
        index = ChildIndex.start(NHS_NUMBER, INDEX_KEY)
        first, second = open_case(), open_case(by=BRISTOL)
        load = loader(first, second).__getitem__
        index.add_open_case(first.id, by=SOMERSET, now=T0, load=load)

        index.close_case(first.id)
        index.add_open_case(second.id, by=BRISTOL, now=T0, load=load)

        assert index.case_ids == [first.id, second.id]
        assert index.open_case_id == second.id
        assert [type(e).__name__ for e in index.collect_events()] == [
            "Started",
            "CaseOpened",
            "CaseClosed",
            "CaseOpened",
        ]

    def test_closing_another_case_leaves_the_open_one_open(self) -> None:
        index = ChildIndex.start(NHS_NUMBER, INDEX_KEY)
        first = open_case()
        index.add_open_case(first.id, by=SOMERSET, now=T0, load=loader(first).__getitem__)

        index.close_case(open_case().id)

        assert index.open_case_id == first.id

    def test_the_index_of_a_child_is_found_from_the_number_and_key_alone(self) -> None:
        index_id = ChildIndex.id_for(NHS_NUMBER, INDEX_KEY)
        assert index_id == ChildIndex.start(NHS_NUMBER, INDEX_KEY).id
        assert index_id != ChildIndex.id_for("9434765870", INDEX_KEY)

    def test_the_index_id_depends_on_the_key(self) -> None:
        """A keyed hash: without the key, the id cannot be recomputed from a number."""
        assert ChildIndex.id_for(NHS_NUMBER, INDEX_KEY) != ChildIndex.id_for(NHS_NUMBER, b"other")

    def test_the_index_id_does_not_contain_the_number(self) -> None:
        assert NHS_NUMBER not in ChildIndex.id_for(NHS_NUMBER, INDEX_KEY).hex


class TestTheRefusalNamesWhomToContact:
    def _refusal(self, held: Case, by: Actor = LEEDS, now: datetime = T0) -> ChildHasOpenCaseError:
        index = ChildIndex.start(NHS_NUMBER, INDEX_KEY)
        load = loader(held).__getitem__
        index.add_open_case(held.id, by=SOMERSET, now=T0, load=load)
        with pytest.raises(ChildHasOpenCaseError) as e:
            index.add_open_case(open_case(by=LEEDS).id, by=by, now=now, load=load)
        return e.value

    def test_it_names_the_responsible_authority_by_code_and_name(self) -> None:
        refusal = self._refusal(open_case())

        assert dict(refusal.extensions) == {
            "responsible_authority": {"code": "933", "name": "Somerset"}
        }
        assert "Somerset (933)" in refusal.detail

    def test_it_names_nothing_else_about_the_case(self) -> None:
        held = open_case()
        refusal = self._refusal(held)

        assert str(held.id) not in refusal.detail
        assert list(refusal.extensions) == ["responsible_authority"]
        assert NHS_NUMBER not in refusal.detail

    def test_it_names_the_authority_responsible_now_after_a_hand_over(self) -> None:
        held = open_case()
        effective = hand_over(held, frm=SOMERSET, to=BRISTOL, now=T0 + DAY, on=None)

        refusal = self._refusal(held, now=effective + DAY)

        assert refusal.extensions["responsible_authority"] == {
            "code": "801",
            "name": "Bristol, City of",
        }

    def test_told_to_an_authority_that_is_no_party_it_is_a_disclosure(self) -> None:
        held = open_case()

        refusal = self._refusal(held, by=LEEDS)

        assert refusal.disclosed
        assert refusal.case_id == held.id  # for the access log, never in the body

    def test_told_to_a_party_it_discloses_nothing_new(self) -> None:
        assert not self._refusal(open_case(), by=SOMERSET).disclosed
