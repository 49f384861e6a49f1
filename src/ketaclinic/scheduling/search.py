"""One series request at one location on the grid: its possible starts, earliest series, and
why nothing fits. Shared by the interactive planner, the greedy baseline and the CP-SAT model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from .bookings import Appointment, Booking
from .chains import Slots, earliest_chain, longest_chain, usable_starts
from .grid import (
    STAGES,
    LocationState,
    Mask,
    patient_slots,
    slots_at_least,
    slots_at_most,
    window_all,
)
from .objective import Coefficients
from .series import SeriesRequest
from .times import from_epoch_s, to_epoch_s


@dataclass(frozen=True)
class Reason:
    """Why a series does not fit (or a note about the one proposed); ``code`` is stable."""

    code: str
    message: str


@dataclass(frozen=True)
class Gaps:
    """A request's numbers in slots: visit length, spacing between starts, span."""

    duration: int
    min_gap: int
    max_gap: int
    max_span: int | None

    @classmethod
    def of(cls, request: SeriesRequest, slot_min: int) -> Gaps:
        rule = request.series
        span = rule.max_span_min
        return cls(
            duration=slots_at_least(request.appointment_type.duration_min, slot_min),
            min_gap=slots_at_least(rule.min_spacing_min, slot_min),
            max_gap=slots_at_most(rule.max_spacing_min, slot_min),
            max_span=None if span is None else slots_at_most(span, slot_min),
        )


def _local(moment: datetime, state: LocationState) -> str:
    return f"{moment.astimezone(state.location.calendar.zone):%a %Y-%m-%d %H:%M %Z}"


class Candidates:
    """Where one request's sessions may start at one location, given what is booked there."""

    def __init__(
        self,
        state: LocationState,
        request: SeriesRequest,
        own: Sequence[Booking],
        slot_min: int,
    ) -> None:
        self.state = state
        self.request = request
        self.gaps = Gaps.of(request, slot_min)
        window, able, preferred = patient_slots(state.grid, request, state.location, own)
        self.stages = state.stages(able, window, self.gaps.duration)
        self.preferred = window_all(preferred, self.gaps.duration)
        grid = state.grid
        self.release = -(-(to_epoch_s(request.not_before) - grid.origin_s) // grid.slot_s)

    def starts(self, mask: Mask | None = None) -> Slots:
        final = self.stages[-1] if mask is None else self.stages[-1] & mask
        return np.flatnonzero(final).astype(np.int64)

    def chain(self, starts: Slots) -> Slots | None:
        gaps = self.gaps
        return earliest_chain(
            starts, self.request.series.count, gaps.min_gap, gaps.max_gap, gaps.max_span
        )

    def session_starts(self, mask: Mask | None = None) -> list[Slots] | None:
        """Each session's possible starts (inside ``mask`` if given), keeping only those on
        some full chain; None when no chain fits."""
        starts, gaps = self.starts(mask), self.gaps
        usable = usable_starts(
            starts, self.request.series.count, gaps.min_gap, gaps.max_gap, gaps.max_span
        )
        if not usable[0].any():
            return None
        return [starts[mask] for mask in usable]

    def off_preference(self, chain: Slots) -> int:
        """Sessions of ``chain`` outside the preferred times (0 when there are none)."""
        if not self.request.preferred:
            return 0
        return int((~self.preferred[chain]).sum())

    def cost(self, chain: Slots, coefficients: Coefficients) -> int:
        return coefficients.series_cost(int(chain[0]) - self.release, self.off_preference(chain))

    def earliest(self, coefficients: Coefficients) -> tuple[Slots | None, tuple[Reason, ...]]:
        """The earliest series overall or the earliest inside the preferred times, whichever
        costs less under the batch objective; with a note when preferences are not all kept."""
        chain = self.chain(self.starts())
        if chain is None:
            return None, self.explain()
        if not self.request.preferred:
            return chain, ()
        inside = self.chain(self.starts(self.preferred))
        options = [option for option in (inside, chain) if option is not None]
        best = min(options, key=lambda option: self.cost(option, coefficients))
        off = self.off_preference(best)
        if off == 0:
            return best, ()
        alternative = (
            "no series fits inside them"
            if inside is None
            else f"the earliest series inside them would start {self.local(int(inside[0]))}"
        )
        note = (
            f"{off} of {self.request.series.count} sessions fall outside the preferred times; "
            f"{alternative}"
        )
        return best, (Reason("preferences", note),)

    def local(self, slot: int) -> str:
        return _local(from_epoch_s(self.state.grid.time_s(slot)), self.state)

    def counts(self) -> tuple[tuple[str, int], ...]:
        return tuple(
            (name, int(stage.sum())) for name, stage in zip(STAGES, self.stages, strict=True)
        )

    def explain(self) -> tuple[Reason, ...]:
        """Why no series fits: the first filter that leaves nothing, or the spacing."""
        request, state = self.request, self.state
        location, rule = state.location, request.series
        counts = dict(self.counts())
        visit = f"{request.appointment_type.duration_min}-min visit"
        where = f"location {location.id!r}"
        if counts["window"] == 0:
            return (
                Reason(
                    "window",
                    f"no {visit} fits between {_local(request.not_before, state)} "
                    f"and {_local(request.not_after, state)}",
                ),
            )
        if counts["open"] == 0:
            hours = ", ".join(str(w) for w in location.calendar.hours) or "no hours"
            closures = len(location.calendar.closures)
            return (
                Reason(
                    "closed",
                    f"{where} is never open for a whole {visit} in the requested window "
                    f"(hours {hours}; {closures} closures)",
                ),
            )
        if counts["availability"] == 0:
            weekly = ", ".join(str(w) for w in request.availability.weekly) or "any time"
            return (
                Reason(
                    "availability",
                    f"the patient's availability ({weekly}; "
                    f"{len(request.availability.unavailable)} busy ranges) never covers a whole "
                    f"{visit} while {where} is open",
                ),
            )
        if counts["chair"] == 0:
            return (
                Reason(
                    "chairs",
                    f"all {len(location.chairs)} chairs of {where} are booked at each of the "
                    f"{counts['availability']} start times the patient could attend",
                ),
            )
        if counts["nurse"] == 0:
            return (
                Reason(
                    "nurse_ratio",
                    f"at each of the {counts['chair']} start times with a free chair, the nurse "
                    f"ratio (1 nurse : {location.patients_per_nurse} patients) is reached "
                    "or no nurse is on shift",
                ),
            )
        gaps = self.gaps
        longest = longest_chain(self.starts(), rule.count, gaps.min_gap, gaps.max_gap)
        spacing = f"{rule.min_spacing_h:g}–{rule.max_spacing_h:g} h apart"
        if longest < rule.count:
            return (
                Reason(
                    "spacing",
                    f"{counts['nurse']} start times are free, but at most {longest} of the "
                    f"{rule.count} sessions can be placed {spacing} "
                    f"before {_local(request.not_after, state)}",
                ),
            )
        return (
            Reason(
                "span",
                f"{rule.count} sessions fit {spacing}, but never within "
                f"{rule.max_span_days:g} days from the first to the last",
            ),
        )

    def describe(self, chain: Sequence[int], chair_ids: Sequence[str]) -> tuple[Appointment, ...]:
        """Appointments for sessions starting at slots ``chain`` on chairs ``chair_ids``."""
        state, request = self.state, self.request
        visit = timedelta(minutes=request.appointment_type.duration_min)
        appointments = []
        for session, (start, chair_id) in enumerate(zip(chain, chair_ids, strict=True), start=1):
            begins = from_epoch_s(state.grid.time_s(start))
            appointments.append(
                Appointment(
                    patient_id=request.patient_id,
                    plan_id=request.plan_id,
                    session=session,
                    location_id=state.location.id,
                    chair_id=chair_id,
                    appointment_type_id=request.appointment_type.id,
                    start=begins,
                    end=begins + visit,
                    zone=state.location.calendar.zone,
                )
            )
        return tuple(appointments)

    def place(self, chain: Slots, state: LocationState | None = None) -> tuple[Appointment, ...]:
        """Book ``chain`` into ``state`` (by default this location's), on the previous
        session's chair when it is free."""
        state = state or self.state
        chairs: list[str] = []
        chair: int | None = None
        for start in chain.tolist():
            chair = state.free_chair(start, self.gaps.duration, chair)
            if chair < 0:
                raise AssertionError("a start with a free chair lost it")
            state.book(start, self.gaps.duration, chair)
            chairs.append(state.location.chair_ids[chair])
        return self.describe(chain.tolist(), chairs)
