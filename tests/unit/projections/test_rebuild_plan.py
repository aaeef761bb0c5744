"""How a rebuild's buckets of cases are gathered into passes (``partitions.group``)."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from service.projections.partitions import BUCKETS, group


def test_one_pass_when_every_bucket_fits_together() -> None:
    assert group({"0": [1, 2], "1": [2, 1], "2": [0, 1]}, buffer=4) == ["012"]


def test_a_new_pass_when_the_summed_open_cases_would_exceed_the_buffer() -> None:
    # at block 1, buckets 0 and 1 hold 2 + 3 = 5 > 4 open cases together
    assert group({"0": [1, 2], "1": [1, 3], "2": [1, 0]}, buffer=4) == ["0", "12"]


def test_a_bucket_over_the_buffer_alone_gets_a_pass_of_its_own() -> None:
    assert group({"0": [1, 1], "1": [9, 0], "2": [1, 1]}, buffer=4) == ["0", "1", "2"]


@given(
    counts=st.lists(st.lists(st.integers(0, 50), min_size=3, max_size=3), min_size=16, max_size=16),
    buffer=st.integers(1, 200),
)
def test_every_bucket_in_one_pass_in_order_each_within_the_buffer_or_alone(
    counts: list[list[int]], buffer: int
) -> None:
    open_counts = dict(zip(BUCKETS, counts, strict=True))

    passes = group(open_counts, buffer)

    assert "".join(passes) == BUCKETS
    for buckets in passes:
        summed = [sum(open_counts[b][block] for b in buckets) for block in range(3)]
        assert len(buckets) == 1 or max(summed) <= buffer, (buckets, summed)
    for first, second in pairwise(passes):  # none could have taken the next one's first
        joined = [sum(open_counts[b][block] for b in first + second[0]) for block in range(3)]
        assert max(joined) > buffer
