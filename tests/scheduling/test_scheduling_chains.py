"""The spacing search on sorted start slots, against brute force."""

from __future__ import annotations

from itertools import combinations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ketaclinic.scheduling.chains import earliest_chain, longest_chain, usable_starts


def _valid(chain: tuple[int, ...], min_gap: int, max_gap: int, span: int | None) -> bool:
    gaps = np.diff(chain)
    return bool(np.all((gaps >= min_gap) & (gaps <= max_gap))) and (
        span is None or chain[-1] - chain[0] <= span
    )


problems = st.tuples(
    st.lists(st.integers(0, 60), max_size=14, unique=True).map(sorted),
    st.integers(1, 4),
    st.integers(1, 8),
    st.integers(0, 10),
    st.one_of(st.none(), st.integers(0, 40)),
)


@settings(max_examples=300, deadline=None)
@given(problems)
def test_earliest_chain_is_the_lexicographically_first_valid_chain(problem: tuple) -> None:
    values, count, min_gap, extra, span = problem
    max_gap = min_gap + extra
    starts = np.array(values, dtype=np.int64)
    valid = [c for c in combinations(values, count) if _valid(c, min_gap, max_gap, span)]
    found = earliest_chain(starts, count, min_gap, max_gap, span)
    if not valid:
        assert found is None
    else:
        assert found is not None
        assert tuple(found.tolist()) == min(valid)


@settings(max_examples=300, deadline=None)
@given(problems)
def test_usable_starts_cover_every_valid_chain(problem: tuple) -> None:
    values, count, min_gap, extra, span = problem
    max_gap = min_gap + extra
    starts = np.array(values, dtype=np.int64)
    valid = [c for c in combinations(values, count) if _valid(c, min_gap, max_gap, span)]
    usable = usable_starts(starts, count, min_gap, max_gap, span) if values else []
    for chain in valid:
        for k, value in enumerate(chain):
            assert usable[k][values.index(value)]
    if values:
        first = {chain[0] for chain in valid}
        assert {v for v, ok in zip(values, usable[0], strict=True) if ok} == first


@settings(max_examples=300, deadline=None)
@given(problems)
def test_longest_chain_matches_brute_force(problem: tuple) -> None:
    values, count, min_gap, extra, _ = problem
    max_gap = min_gap + extra
    best = max(
        (
            n
            for n in range(1, count + 1)
            for c in combinations(values, n)
            if _valid(c, min_gap, max_gap, None)
        ),
        default=0,
    )
    assert longest_chain(np.array(values, dtype=np.int64), count, min_gap, max_gap) == best
