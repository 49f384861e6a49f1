"""Chains of session starts that respect the series spacing, on sorted slot indices.

``starts`` is a sorted array of slot indices where one session could begin; a chain picks
``count`` of them with consecutive gaps in [min_gap, max_gap] and first-to-last ≤ max_span.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Slots = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]

NEVER = np.int64(np.iinfo(np.int64).max // 4)


def range_min(values: Slots, lo: Slots, hi: Slots) -> Slots:
    """min(values[..., lo[i]:hi[i]]) for each i along the last axis (NEVER when the range is
    empty), by sparse table."""
    out = np.full((*values.shape[:-1], *lo.shape), NEVER, dtype=np.int64)
    length = hi - lo
    nonempty = np.flatnonzero(length > 0)
    if nonempty.size == 0:
        return out
    levels = [values]
    while 2 ** len(levels) <= values.shape[-1]:
        half = 2 ** (len(levels) - 1)
        levels.append(np.minimum(levels[-1][..., :-half], levels[-1][..., half:]))
    level = np.frexp(length[nonempty].astype(np.float64))[1] - 1
    for k in np.unique(level):
        rows = nonempty[level == k]
        table = levels[int(k)]
        out[..., rows] = np.minimum(table[..., lo[rows]], table[..., hi[rows] - 2 ** int(k)])
    return out


def _successors(starts: Slots, min_gap: int, max_gap: int) -> tuple[Slots, Slots]:
    """For each start, the index range [lo, hi) of starts that may follow it."""
    lo = np.searchsorted(starts, starts + min_gap, side="left")
    hi = np.searchsorted(starts, starts + max_gap, side="right")
    return lo.astype(np.int64), hi.astype(np.int64)


def _earliest_finish(starts: Slots, count: int, lo: Slots, hi: Slots) -> list[Slots]:
    """finish[k][i]: earliest last start of sessions k+1..count with session k+1 at starts[i]."""
    finish = [starts]
    for _ in range(count - 1):
        finish.append(range_min(finish[-1], lo, hi))
    finish.reverse()
    return finish


def _first_ok(starts: Slots, first_finish: Slots, max_span: int | None) -> Mask:
    if max_span is None:
        return first_finish < NEVER
    return (first_finish < NEVER) & (first_finish - starts <= max_span)


def earliest_chain(
    starts: Slots, count: int, min_gap: int, max_gap: int, max_span: int | None
) -> Slots | None:
    """The chain with the earliest first session, then the earliest of each next one."""
    if starts.size == 0:
        return None
    lo, hi = _successors(starts, min_gap, max_gap)
    finish = _earliest_finish(starts, count, lo, hi)
    ok = _first_ok(starts, finish[0], max_span)
    if not ok.any():
        return None
    at = int(np.argmax(ok))
    deadline = NEVER - 1 if max_span is None else starts[at] + max_span
    chain = [at]
    for k in range(1, count):
        following = np.flatnonzero(finish[k][lo[at] : hi[at]] <= deadline)
        at = int(lo[at] + following[0])
        chain.append(at)
    return starts[np.array(chain, dtype=np.int64)]


def usable_starts(
    starts: Slots, count: int, min_gap: int, max_gap: int, max_span: int | None
) -> list[Mask]:
    """For each session, which starts belong to at least one full chain (span checked loosely).

    The mask is exact for the first session; later ones may keep starts that only a too-long
    chain reaches, which is fine for pruning a solver's domains.
    """
    lo, hi = _successors(starts, min_gap, max_gap)
    finish = _earliest_finish(starts, count, lo, hi)
    usable = [_first_ok(starts, finish[0], max_span)]
    back_lo = np.searchsorted(starts, starts - max_gap, side="left")
    back_hi = np.searchsorted(starts, starts - min_gap, side="right")
    for k in range(1, count):
        reached = np.concatenate(([0], np.cumsum(usable[-1])))
        usable.append((reached[back_hi] > reached[back_lo]) & (finish[k] < NEVER))
    return usable


def longest_chain(starts: Slots, count: int, min_gap: int, max_gap: int) -> int:
    """How many sessions (at most ``count``) the best spacing-respecting chain holds."""
    if starts.size == 0:
        return 0
    lo, hi = _successors(starts, min_gap, max_gap)
    can = np.ones(starts.size, dtype=np.bool_)
    for length in range(1, count):
        prefix = np.concatenate(([0], np.cumsum(can)))
        can = prefix[hi] > prefix[lo]
        if not can.any():
            return length
    return count
