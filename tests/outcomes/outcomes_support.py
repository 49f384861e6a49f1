"""Helpers and fixtures for the outcome, report and export tests (imported by the conftest of
tests/outcomes and tests/interop)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from ketaclinic.outcomes import InfusionEvent
from support import SIGNED

PROTOCOL = "ketamine-iv-0.5mgkg-40min"
PAIN = "nrs_pain_average"
PAIN_NOW = "nrs_pain_now"


@contextmanager
def committed() -> Iterator[None]:
    """Run the on-commit callbacks of the writes inside as a real commit would (the test's
    transaction never commits): the outcome summaries refresh, with the immediate task
    backend, as they do in production."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        yield


def ago(days: float) -> datetime:
    return timezone.now() - timedelta(days=days)


def answers(instrument: str, value: float) -> dict[str, Any]:
    """Answers that score ``value``: an NRS's single item; for FIQR every item at value / 10
    (total = 10 x item); for PHQ-9, GAD-7 and CADSS-6 the items summing to ``value`` (PHQ-9
    item 9 = 0)."""
    from ketaclinic.records.assessments.registry import registry

    definition = registry().get(instrument)
    items = [item.id for item in definition.items]
    if instrument == "fiqr":
        return dict.fromkeys(items, int(value // 10))
    if instrument in ("phq9", "gad7", "cadss6"):
        left, given, most = int(value), {}, 4 if instrument == "cadss6" else 3
        for item in items:
            given[item] = 0 if item == "phq9_9" else min(most, left)
            left -= given[item]
        return given
    return {items[0]: int(value)}


def score(
    actor: Any, patient: Any, instrument: str, value: float, context: str, when: datetime
) -> Any:
    from ketaclinic.records.assessments import services

    with committed():
        return services.record_assessment(
            actor,
            patient.pk,
            {
                "instrument": instrument,
                "answers": answers(instrument, value),
                "context": context,
                "completed_at": when,
            },
        )


def history(actor: Any, patient: Any, rows: Iterable[tuple[float, str, float, str]]) -> None:
    """(days ago, instrument, value, context) rows."""
    for days, instrument, value, context in rows:
        score(actor, patient, instrument, value, context, ago(days))


@pytest.fixture
def clinician(users: dict[str, Any], actor_for: Callable[..., Any]) -> Any:
    return actor_for(users["physician"])


@pytest.fixture
def scored(clinician: Any, patient: Any) -> Any:
    """A patient with ten weeks of scores: a baseline of every outcome instrument, two
    infusion visits with pre/post pain (24-hour averages, and pain right now 7 → 3 and 6 → 3),
    and follow-ups (pain 8 → 4 → 6, FIQR 60 → 40)."""
    history(
        clinician,
        patient,
        [
            (70, PAIN, 8, "baseline"),
            (70, "fiqr", 60, "baseline"),
            (70, "phq9", 14, "baseline"),
            (70, "gad7", 12, "baseline"),
            (70, "nrs_sleep_quality", 7, "baseline"),
            (70, "nrs_fatigue", 8, "baseline"),
            (70, "nrs_cognition", 6, "baseline"),
            (60.1, PAIN, 8, "pre_infusion"),
            (60, PAIN, 4, "post_infusion"),
            (58.1, PAIN, 7, "pre_infusion"),
            (58, PAIN, 3, "post_infusion"),
            (60.1, PAIN_NOW, 7, "pre_infusion"),
            (60, PAIN_NOW, 3, "post_infusion"),
            (58.1, PAIN_NOW, 6, "pre_infusion"),
            (58, PAIN_NOW, 3, "post_infusion"),
            (40, PAIN, 5, "follow_up"),
            (20, PAIN, 4, "follow_up"),
            (20, "fiqr", 40, "follow_up"),
            (20, "phq9", 9, "follow_up"),
            (5, PAIN, 6, "follow_up"),
        ],
    )
    return patient


class StandInInfusions(list[InfusionEvent]):
    """Infusions given; adding one refreshes its patient's outcome summary, as the real
    session's discharge and signature do."""

    def append(self, event: InfusionEvent) -> None:
        super().append(event)
        self._refresh([event])

    def __iadd__(self, events: Iterable[InfusionEvent]) -> StandInInfusions:  # type: ignore[override]
        added = list(events)
        super().__iadd__(added)
        self._refresh(added)
        return self

    @staticmethod
    def _refresh(events: list[InfusionEvent]) -> None:
        from ketaclinic.records.outcomes.summaries import refresh_patients

        refresh_patients(sorted({e.patient_id for e in events}))


@pytest.fixture
def infusions_given(monkeypatch: pytest.MonkeyPatch) -> list[InfusionEvent]:
    """Infusions as the session records will give them, through the one seam.

    ``ketaclinic.records.sessions`` is being built by another engineer and will fill
    ``infusions.infusion_events``; until then this fixture stands in for those records (append
    events to the list it returns). Remove it when the sessions fill the seam.
    """
    from ketaclinic.records.outcomes import infusions

    given = StandInInfusions()

    def seam(patient_ids: Any, since: Any, until: Any) -> list[InfusionEvent]:
        wanted = None if patient_ids is None else set(patient_ids)
        return sorted(
            (
                e
                for e in given
                if (wanted is None or e.patient_id in wanted)
                and (since is None or e.started_at >= since)
                and (until is None or e.started_at < until)
            ),
            key=lambda e: e.started_at,
        )

    monkeypatch.setattr(infusions, "infusion_events", seam)
    return given


def infusion(patient: Any, days: float, dose_mg: float = 35, **more: Any) -> InfusionEvent:
    return InfusionEvent(patient.pk, ago(days), dose_mg, "iv_infusion", PROTOCOL, 40, **more)


@pytest.fixture
def sign_plan(clinician: Any) -> Callable[..., Any]:
    """Screen, decide and sign a plan of ``protocol`` for the patient (the plan services)."""

    def sign(patient: Any, protocol: str = PROTOCOL) -> Any:
        from ketaclinic.records.plans import screening, services

        result = screening.run_screening(clinician, patient.pk, {"pregnant": False})
        screening.decide(clinician, result.pk, {"decision": "eligible", "note": "no findings"})
        plan = services.draft_plan(clinician, patient.pk, {"protocol": protocol})
        with committed():
            return services.sign_plan(clinician, plan.pk, SIGNED)

    return sign


@pytest.fixture
def location(db: Any) -> Any:
    """A location open every weekday 07:00-19:00 (set up as a clinic manager would)."""
    from ketaclinic.records.clinics.models import Location, OpeningHours

    place = Location.objects.create(slug="north", name="North Clinic", time_zone="America/New_York")
    OpeningHours.objects.bulk_create(
        OpeningHours(location=place, weekday=day, opens_at=time(7), closes_at=time(19))
        for day in range(7)
    )
    return place


@pytest.fixture
def book_consultation(users: dict[str, Any], actor_for: Callable[..., Any]) -> Callable[..., Any]:
    """Book a consultation for the patient at the location, through the bookings service."""

    def book(patient: Any, place: Any) -> Any:
        from ketaclinic.records.bookings import services

        start = (timezone.now() + timedelta(days=3)).astimezone(place.zone)
        start = start.replace(hour=10, minute=0, second=0, microsecond=0)
        return services.book_appointment(
            actor_for(users["front_desk"]),
            {
                "patient_id": patient.pk,
                "location_id": place.pk,
                "appointment_type": "consultation",
                "start": start,
            },
        )

    return book
