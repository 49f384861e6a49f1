"""The interactive series planner: the earliest series for one patient at one location."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .bookings import Appointment, Booking
from .errors import SchedulingInputError
from .grid import Grid, LocationState
from .objective import Coefficients
from .policy import SchedulingPolicy, scheduling_policy
from .resources import Location
from .search import Candidates, Reason
from .series import SeriesRequest
from .times import to_epoch_s


@dataclass(frozen=True)
class SeriesProposal:
    """The proposed series (empty when none fits) and the reasons or notes that go with it.

    ``candidate_counts`` tells how many start times survive each filter in turn (window,
    open, availability, chair, nurse), for a front desk that wants to see why.
    """

    appointments: tuple[Appointment, ...]
    reasons: tuple[Reason, ...]
    candidate_counts: tuple[tuple[str, int], ...]
    policy_version: str

    @property
    def found(self) -> bool:
        return bool(self.appointments)


def propose_series(
    request: SeriesRequest,
    location: Location,
    bookings: Sequence[Booking] = (),
    policy: SchedulingPolicy | None = None,
) -> SeriesProposal:
    """The earliest series that fits ``location``'s hours, free chairs and nurse ratio.

    ``bookings`` are the chairs already taken at the location (each also counts toward the
    nurse ratio); the patient's own bookings there also block the patient. Preferred times are
    weighed against an earlier start with the batch objective's weights, with a note when some
    session falls outside them. Nothing is booked: the caller confirms the proposal through its
    own service.
    """
    policy = policy or scheduling_policy()
    if request.location_ids and location.id not in request.location_ids:
        raise SchedulingInputError(
            "location",
            f"{location.id!r} is not among the patient's locations {request.location_ids}",
        )
    grid = Grid.covering(
        to_epoch_s(request.not_before), to_epoch_s(request.not_after), policy.slot_min
    )
    state = LocationState(location, grid, bookings)
    own = [b for b in bookings if b.patient_id and b.patient_id == request.patient_id]
    candidates = Candidates(state, request, own, policy.slot_min)
    chain, reasons = candidates.earliest(Coefficients.of(policy))
    appointments = () if chain is None else candidates.place(chain)
    return SeriesProposal(appointments, reasons, candidates.counts(), policy.version)
