"""Arithmetic on sorted lists of half-open integer intervals (epoch seconds)."""

from __future__ import annotations

from collections.abc import Iterable

Span = tuple[int, int]


def merge(spans: Iterable[Span]) -> list[Span]:
    """Union of ``spans`` as sorted, disjoint, non-touching intervals."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def subtract(spans: Iterable[Span], holes: Iterable[Span]) -> list[Span]:
    """The parts of ``spans`` outside every hole."""
    result = merge(spans)
    for hole_start, hole_end in merge(holes):
        kept: list[Span] = []
        for start, end in result:
            if end <= hole_start or start >= hole_end:
                kept.append((start, end))
                continue
            if start < hole_start:
                kept.append((start, hole_start))
            if end > hole_end:
                kept.append((hole_end, end))
        result = kept
    return result


def clip(spans: Iterable[Span], lower: int, upper: int) -> list[Span]:
    return [(max(s, lower), min(e, upper)) for s, e in spans if e > lower and s < upper]


def covers(spans: list[Span], start: int, end: int) -> bool:
    """Whether one interval of the merged ``spans`` contains all of [start, end)."""
    return any(s <= start and end <= e for s, e in spans)
