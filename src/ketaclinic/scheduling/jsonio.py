"""The batch planner's JSON input and output (docs/scheduling.md), as plain dicts: no I/O here.

Every error names the JSON path of the offending field, e.g. ``patients[3].series.count``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import Any, TypeVar

from .appointment_types import AppointmentType, esketamine_visit, infusion_visit
from .batch import BatchPlan, BatchProblem, chair_utilisation
from .bookings import Appointment, Booking
from .calendar import WEEKDAY_NAMES, Closure, LocationCalendar, WeeklyWindow, zone_named
from .errors import SchedulingInputError
from .policy import SchedulingPolicy
from .resources import Chair, Location, NurseShift, WeeklyNurseShift, expand_weekly_shifts
from .series import Availability, SeriesRequest, SeriesRule
from .times import TimeRange

T = TypeVar("T")
ROOT = "input"


@contextmanager
def _at(path: str) -> Iterator[None]:
    """Prefix ``path`` to the field of a domain error raised inside (ours already have it)."""
    try:
        yield
    except SchedulingInputError as error:
        if error.field.startswith(ROOT):
            raise
        raise type(error)(f"{path}.{error.field}", error.message) from error


def _get(data: Mapping[str, Any], key: str, path: str, kind: type[T], default: Any = ...) -> T:
    if not isinstance(data, Mapping):
        raise SchedulingInputError(path, "must be an object")
    if key not in data:
        if default is ...:
            raise SchedulingInputError(f"{path}.{key}", "is missing")
        return default
    value = data[key]
    number = kind in (int, float) and not isinstance(value, bool)
    if kind is float and number and isinstance(value, int):
        value = float(value)
    if not isinstance(value, kind) or (kind in (int, float) and not number):
        raise SchedulingInputError(f"{path}.{key}", f"must be {kind.__name__}, got {value!r}")
    return value


def _items(data: Mapping[str, Any], key: str, path: str) -> Iterator[tuple[str, Any]]:
    for number, item in enumerate(_get(data, key, path, list, [])):
        yield f"{path}.{key}[{number}]", item


def _text_list(data: Mapping[str, Any], key: str, path: str) -> list[str]:
    values = _get(data, key, path, list, [])
    for number, value in enumerate(values):
        if not isinstance(value, str):
            raise SchedulingInputError(
                f"{path}.{key}[{number}]", f"must be a string, got {value!r}"
            )
    return values


def _datetime(data: Mapping[str, Any], key: str, path: str) -> datetime:
    text = _get(data, key, path, str)
    try:
        value = datetime.fromisoformat(text)
    except ValueError as error:
        raise SchedulingInputError(f"{path}.{key}", f"{text!r} is not an ISO 8601 time") from error
    if value.tzinfo is None:
        raise SchedulingInputError(
            f"{path}.{key}", f"{text!r} has no time zone; add an offset such as -05:00 or Z"
        )
    return value


def _clock(data: Mapping[str, Any], key: str, path: str) -> time:
    text = _get(data, key, path, str)
    try:
        return time.fromisoformat(text)
    except ValueError as error:
        raise SchedulingInputError(f"{path}.{key}", f"{text!r} is not a time like 07:30") from error


def _weekday(data: Mapping[str, Any], path: str) -> int:
    value = data.get("weekday") if isinstance(data, Mapping) else None
    if isinstance(value, str) and value[:3].lower() in WEEKDAY_NAMES:
        return WEEKDAY_NAMES.index(value[:3].lower())
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
        return value
    raise SchedulingInputError(f"{path}.weekday", f"{value!r} is not mon…sun or 0 (Monday)…6")


def _window(data: Mapping[str, Any], path: str) -> WeeklyWindow:
    with _at(path):
        return WeeklyWindow(
            _weekday(data, path), _clock(data, "start", path), _clock(data, "end", path)
        )


def _windows(data: Mapping[str, Any], key: str, path: str) -> tuple[WeeklyWindow, ...]:
    return tuple(_window(item, where) for where, item in _items(data, key, path))


def _range(data: Mapping[str, Any], path: str) -> TimeRange:
    with _at(path):
        return TimeRange(_datetime(data, "start", path), _datetime(data, "end", path))


def _closure(data: Mapping[str, Any], path: str, calendar: LocationCalendar) -> Closure:
    reason = _get(data, "reason", path, str, "closed")
    if isinstance(data, Mapping) and "date" in data:
        text = _get(data, "date", path, str)
        try:
            day = date.fromisoformat(text)
        except ValueError as error:
            raise SchedulingInputError(f"{path}.date", f"{text!r} is not a date") from error
        return Closure.whole_day(day, calendar.zone, reason)
    span = _range(data, path)
    return Closure(span.start, span.end, reason)


def _location(
    data: Mapping[str, Any], path: str, policy: SchedulingPolicy, horizon: TimeRange
) -> Location:
    zone = zone_named(_get(data, "time_zone", path, str), f"{path}.time_zone")
    calendar = LocationCalendar(zone, _windows(data, "hours", path))
    calendar = LocationCalendar(
        zone,
        calendar.hours,
        tuple(_closure(item, where, calendar) for where, item in _items(data, "closures", path)),
    )
    chairs = []
    for where, item in _items(data, "chairs", path):
        if isinstance(item, str):
            chairs.append(Chair(item))
        else:
            chairs.append(Chair(_get(item, "id", where, str), _get(item, "label", where, str, "")))
    shifts = []
    for where, item in _items(data, "nurse_shifts", path):
        span = _range(item, where)
        shifts.append(NurseShift(_get(item, "nurse_id", where, str), span.start, span.end))
    pattern = []
    for where, item in _items(data, "weekly_nurse_shifts", path):
        with _at(where):
            pattern.append(WeeklyNurseShift(_window(item, where), _get(item, "nurses", where, int)))
    shifts += expand_weekly_shifts(pattern, calendar, horizon.start, horizon.end)
    with _at(path):
        return Location(
            id=_get(data, "id", path, str),
            name=_get(data, "name", path, str, ""),
            calendar=calendar,
            chairs=tuple(chairs),
            nurse_shifts=tuple(shifts),
            patients_per_nurse=_get(
                data, "patients_per_nurse", path, int, policy.patients_per_nurse
            ),
        )


_VISITS: dict[str, Callable[..., AppointmentType]] = {
    "infusion": infusion_visit,
    "esketamine": esketamine_visit,
}
_VISIT_FIELDS = {
    "infusion": ("infusion_min", "recovery_min", "preparation_min"),
    "esketamine": ("observation_min", "administration_min", "preparation_min"),
}


def _visit(data: Mapping[str, Any], path: str) -> AppointmentType:
    kind = _get(data, "type", path, str)
    if kind not in _VISITS:
        raise SchedulingInputError(f"{path}.type", f"{kind!r} is not one of {sorted(_VISITS)}")
    minutes = {key: _get(data, key, path, int, None) for key in _VISIT_FIELDS[kind]}
    with _at(path):
        return _VISITS[kind](**minutes)


def _rule(data: Mapping[str, Any], path: str) -> SeriesRule:
    with _at(path):
        return SeriesRule(
            count=_get(data, "count", path, int),
            min_spacing_h=_get(data, "min_spacing_h", path, float),
            max_spacing_h=_get(data, "max_spacing_h", path, float),
            max_span_days=_get(data, "max_span_days", path, float, None),
        )


def _request(data: Mapping[str, Any], path: str) -> SeriesRequest:
    signed = _get(data, "plan_signed", path, bool)
    with _at(path):
        return SeriesRequest(
            patient_id=_get(data, "id", path, str),
            plan_id=_get(data, "plan_id", path, str),
            plan_signed=signed,
            series=_rule(_get(data, "series", path, dict), f"{path}.series"),
            appointment_type=_visit(_get(data, "visit", path, dict), f"{path}.visit"),
            not_before=_datetime(data, "not_before", path),
            not_after=_datetime(data, "not_after", path),
            availability=Availability(
                _windows(data, "availability", path),
                tuple(_range(item, where) for where, item in _items(data, "unavailable", path)),
            ),
            preferred=_windows(data, "preferred", path),
            location_ids=tuple(_text_list(data, "locations", path)),
        )


def problem_from_json(data: Any, policy: SchedulingPolicy) -> BatchProblem:
    """A batch problem from the parsed input document."""
    if not isinstance(data, Mapping):
        raise SchedulingInputError(ROOT, "must be a JSON object")
    requests = tuple(_request(item, where) for where, item in _items(data, "patients", ROOT))
    if not requests:
        raise SchedulingInputError(f"{ROOT}.patients", "no patients to plan")
    horizon = TimeRange(min(r.not_before for r in requests), max(r.not_after for r in requests))
    locations = tuple(
        _location(item, where, policy, horizon) for where, item in _items(data, "locations", ROOT)
    )
    bookings = []
    for where, item in _items(data, "bookings", ROOT):
        span = _range(item, where)
        bookings.append(
            Booking(
                _get(item, "chair_id", where, str),
                span.start,
                span.end,
                _get(item, "patient_id", where, str, ""),
            )
        )
    with _at(ROOT):
        return BatchProblem(locations, requests, tuple(bookings))


def appointment_to_json(appointment: Appointment) -> dict[str, Any]:
    return {
        "patient_id": appointment.patient_id,
        "plan_id": appointment.plan_id,
        "session": appointment.session,
        "location_id": appointment.location_id,
        "chair_id": appointment.chair_id,
        "appointment_type": appointment.appointment_type_id,
        "start": appointment.start.isoformat().replace("+00:00", "Z"),
        "end": appointment.end.isoformat().replace("+00:00", "Z"),
        "start_local": appointment.start_local.isoformat(),
        "end_local": appointment.end_local.isoformat(),
        "time_zone": appointment.zone.key,
    }


def plan_to_json(plan: BatchPlan, problem: BatchProblem) -> dict[str, Any]:
    """The output document for ``plan``."""
    return {
        "method": plan.method,
        "status": plan.status,
        "policy_version": plan.policy_version,
        "objective_h": plan.objective_h,
        "bound_h": plan.bound_h,
        "gap": plan.gap,
        "solve_time_s": plan.solve_time_s,
        "scheduled_patients": len(problem.requests) - len(plan.unscheduled),
        "unscheduled_patients": len(plan.unscheduled),
        "chair_utilisation": chair_utilisation(problem, plan),
        "appointments": [appointment_to_json(a) for a in plan.appointments],
        "unscheduled": [
            {
                "patient_id": item.patient_id,
                "reasons": [{"code": r.code, "message": r.message} for r in item.reasons],
            }
            for item in plan.unscheduled
        ],
    }
