"""The planning grid: time cut into equal slots, and a location's state on it as arrays."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .bookings import Booking
from .calendar import weekly_spans
from .errors import SchedulingInputError
from .intervals import Span, merge
from .resources import Location
from .series import SeriesRequest
from .times import to_epoch_s

Mask = npt.NDArray[np.bool_]
Counts = npt.NDArray[np.int64]

STAGES = ("window", "open", "availability", "chair", "nurse")


def slots_at_least(minutes: float, slot_min: int) -> int:
    """The fewest whole slots lasting ``minutes`` or more."""
    return math.ceil(minutes / slot_min - 1e-9)


def slots_at_most(minutes: float, slot_min: int) -> int:
    return math.floor(minutes / slot_min + 1e-9)


def window_all(mask: Mask, length: int) -> Mask:
    """out[..., i] is True when mask[..., i:i + length] is all True (False near the end)."""
    bad = np.concatenate(
        (np.zeros((*mask.shape[:-1], 1), np.int64), np.cumsum(~mask, axis=-1)), axis=-1
    )
    out = np.zeros(mask.shape, dtype=np.bool_)
    if length <= mask.shape[-1]:
        out[..., : mask.shape[-1] - length + 1] = (bad[..., length:] - bad[..., :-length]) == 0
    return out


def runs(mask: Mask) -> list[tuple[int, int]]:
    """[start, end) of each run of True in ``mask``."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(np.int8), [0]))))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


@dataclass(frozen=True)
class Grid:
    """Slots of ``slot_s`` seconds from ``origin_s`` (a multiple of the slot, so local times
    on the hour stay on the grid in every zone with whole-quarter-hour offsets)."""

    origin_s: int
    slot_s: int
    size: int

    @classmethod
    def covering(cls, start_s: int, end_s: int, slot_min: int) -> Grid:
        slot_s = slot_min * 60
        origin = start_s // slot_s * slot_s
        return cls(origin, slot_s, max(1, -(-(end_s - origin) // slot_s)))

    @property
    def end_s(self) -> int:
        return self.origin_s + self.size * self.slot_s

    def time_s(self, index: int) -> int:
        return self.origin_s + int(index) * self.slot_s

    def _count(self, lo: Counts, hi: Counts) -> Counts:
        lo, hi = np.clip(lo, 0, self.size), np.clip(hi, 0, self.size)
        keep = lo < hi
        diff = np.zeros(self.size + 1, dtype=np.int64)
        np.add.at(diff, lo[keep], 1)
        np.add.at(diff, hi[keep], -1)
        return np.cumsum(diff[:-1])

    def _bounds(self, spans: Sequence[Span]) -> tuple[Counts, Counts]:
        array = np.asarray(spans, dtype=np.int64).reshape(-1, 2) - self.origin_s
        return array[:, 0], array[:, 1]

    def coverage(self, spans: Sequence[Span]) -> Counts:
        """How many of ``spans`` hold each slot wholly."""
        start, end = self._bounds(spans)
        return self._count(-(-start // self.slot_s), end // self.slot_s)

    def touched(self, spans: Sequence[Span]) -> Counts:
        """How many of ``spans`` overlap each slot, however briefly."""
        start, end = self._bounds(spans)
        return self._count(start // self.slot_s, -(-end // self.slot_s))

    def inside(self, spans: Sequence[Span]) -> Mask:
        return self.coverage(merge(spans)) > 0


class LocationState:
    """When a location is open, which chair slots are taken and the nurse headroom per slot.

    A booking takes every slot it touches and a nurse counts only for slots she covers wholly,
    so the grid is never more generous than the exact times.
    """

    def __init__(self, location: Location, grid: Grid, bookings: Sequence[Booking]) -> None:
        self.location = location
        self.grid = grid
        self.chair_index = {chair_id: i for i, chair_id in enumerate(location.chair_ids)}
        self.open = grid.inside(location.calendar.open_spans(grid.origin_s, grid.end_s))
        self.busy = np.zeros((len(self.chair_index), grid.size), dtype=np.bool_)
        for number, booking in enumerate(bookings):
            if booking.chair_id not in self.chair_index:
                raise SchedulingInputError(
                    f"bookings[{number}].chair_id",
                    f"{booking.chair_id!r} is not a chair of location {location.id!r}",
                )
        spans = [(to_epoch_s(b.start), to_epoch_s(b.end)) for b in bookings]
        for chair_id, row in self.chair_index.items():
            mine = [span for span, b in zip(spans, bookings, strict=True) if b.chair_id == chair_id]
            self.busy[row] = grid.touched(mine) > 0
        nurses = sum(
            (grid.coverage(spans) for spans in location.nurse_spans()),
            np.zeros(grid.size, dtype=np.int64),
        )
        self.headroom = location.patients_per_nurse * nurses - grid.touched(spans)

    def stages(self, patient_ok: Mask, in_window: Mask, duration: int) -> list[Mask]:
        """Possible starts after each filter of STAGES, each stage narrowing the previous one."""
        steps = [
            window_all(in_window, duration),
            window_all(self.open, duration),
            window_all(patient_ok, duration),
            window_all(~self.busy, duration).any(axis=0),
            window_all(self.headroom >= 1, duration),
        ]
        return list(np.logical_and.accumulate(steps))

    def capacity(self) -> Counts:
        """Per slot, how many more visits fit: free chairs, capped by the nurse headroom."""
        return np.clip(np.minimum((~self.busy).sum(axis=0), self.headroom), 0, None)

    def free_chair(self, start: int, duration: int, first_choice: int | None = None) -> int:
        """A chair free for the whole visit, ``first_choice`` if it is; -1 when none is."""
        free = np.logical_not(self.busy[:, start : start + duration].any(axis=1))
        if first_choice is not None and free[first_choice]:
            return first_choice
        return int(np.argmax(free)) if free.any() else -1

    def book(self, start: int, duration: int, chair: int) -> None:
        self.busy[chair, start : start + duration] = True
        self.headroom[start : start + duration] -= 1


def patient_slots(
    grid: Grid, request: SeriesRequest, location: Location, own: Sequence[Booking]
) -> tuple[Mask, Mask, Mask]:
    """Slots inside the request window, slots the patient can attend, and preferred slots."""
    zone = location.calendar.zone
    window = grid.inside([(to_epoch_s(request.not_before), to_epoch_s(request.not_after))])
    weekly = request.availability.weekly
    able = (
        grid.inside(weekly_spans(weekly, zone, grid.origin_s, grid.end_s))
        if weekly
        else np.ones(grid.size, dtype=np.bool_)
    )
    busy = [r.epoch_s for r in request.availability.unavailable]
    busy += [(to_epoch_s(b.start), to_epoch_s(b.end)) for b in own]
    able &= grid.touched(busy) == 0
    preferred = grid.inside(weekly_spans(request.preferred, zone, grid.origin_s, grid.end_s))
    return window, able, preferred
