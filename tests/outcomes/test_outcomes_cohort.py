"""The cohort figures (aggregated in SQL) against the per-patient rule, filters, empty results,
the monthly clinic report's figures, permissions and audit."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone
from outcomes_support import PAIN, PROTOCOL, committed, history, infusion

from ketaclinic.outcomes import assess_patient, mean_estimate
from ketaclinic.records.assessments.models import Assessment
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.errors import Forbidden, InvalidInput
from ketaclinic.records.outcomes import cohort, reports, services

# (pain baseline, latest pain, FIQR baseline, latest FIQR) for five patients; None = no score.
# FIQR totals here are multiples of 10 (every item answered alike).
PATIENTS = (
    (8, 4, 60, 40),  # pain -50 % (substantial), FIQR -33 %
    (10, 7, 70, 70),  # pain exactly -30 % (moderate), FIQR unchanged
    (6, 5, None, None),  # pain -17 %
    (5, 6, 50, 40),  # worse; FIQR -20 %
    (0, 0, 30, None),  # baseline 0: not assessable; FIQR without follow-up
)


@pytest.fixture
def clinic(clinician: Any, register: Any) -> list[Any]:
    made = []
    for number, (pain0, pain1, fiqr0, fiqr1) in enumerate(PATIENTS):
        patient = register(mrn=f"C-{number}", given_name=f"P{number}")
        rows = [
            (90, PAIN, pain0, "baseline"),
            (30, PAIN, 9, "follow_up"),
            (10, PAIN, pain1, "follow_up"),
        ]
        rows.append((11, PAIN, 1, "post_infusion"))  # immediate scores never count as lasting
        if fiqr0 is not None:
            rows.append((90, "fiqr", fiqr0, "baseline"))
        if fiqr1 is not None:
            rows.append((10, "fiqr", fiqr1, "follow_up"))
        history(clinician, patient, rows)
        made.append(patient)
    return made


def test_sql_aggregates_agree_with_the_per_patient_rule(
    clinic: list[Any], clinician: Any, users: dict[str, Any], actor_for: Any
) -> None:
    manager = actor_for(users["manager"])
    report = cohort.cohort_report(manager, {})
    assert (report.patients, report.label) == (5, "all patients")
    per_patient = [services.patient_outcomes(clinician, p.pk).outcome for p in clinic]
    pain_rates = {r.threshold.category: r.proportion for r in report.pain_rates}
    assert (pain_rates["substantial"].successes, pain_rates["substantial"].n) == (1, 4)
    assert (pain_rates["moderate"].successes, pain_rates["moderate"].n) == (2, 4)
    assert sum(o.pain_response.category == "substantial" for o in per_patient) == 1
    assert sum(o.pain_response.responder for o in per_patient) == 2
    fiqr = report.fiqr_rates[0].proportion
    assert (fiqr.successes, fiqr.n) == (2, 3)
    assert sum(o.fiqr_response.responder for o in per_patient) == 2
    changes = {c.instrument_id: c.estimate for c in report.changes}
    expected = mean_estimate(
        [c.points for o in per_patient if (c := o.trajectory(PAIN).change()) is not None]
    )
    assert changes[PAIN].n == expected.n == 5
    assert changes[PAIN].mean == pytest.approx(expected.mean)
    assert changes[PAIN].interval.low == pytest.approx(expected.interval.low)
    assert changes["phq9"].n == 0
    assert changes["phq9"].mean is None
    entry = AuditEvent.objects.get(action="outcome.cohort")
    assert entry.detail == {"patients": 5}
    assert entry.username == "manager-user"


def test_the_per_patient_rule_is_the_pure_one(clinic: list[Any], clinician: Any) -> None:
    data = services.patient_outcomes(clinician, clinic[1].pk)
    again = assess_patient(
        [p for t in data.outcome.trajectories for p in t.points],
        [],
        protocol=None,
        now=timezone.now(),
    )
    assert again.pain_response == data.outcome.pain_response


def test_filters_by_protocol_location_and_period(
    clinic: list[Any],
    users: dict[str, Any],
    actor_for: Any,
    sign_plan: Any,
    location: Any,
    book_consultation: Any,
) -> None:
    manager = actor_for(users["manager"])
    sign_plan(clinic[0])
    sign_plan(clinic[1])
    book_consultation(clinic[1], location)
    assert cohort.cohort_report(manager, {"protocol": PROTOCOL}).patients == 2
    both = cohort.cohort_report(manager, {"protocol": PROTOCOL, "location": "north"})
    assert both.patients == 1
    assert both.label == f"patients on protocol {PROTOCOL} at location north"
    today = timezone.localdate()
    started = today - timedelta(days=90)
    assert cohort.cohort_report(manager, {"since": started, "until": started}).patients == 5
    assert cohort.cohort_report(manager, {"since": started + timedelta(days=1)}).patients == 0


def test_a_filter_matching_nobody_is_an_empty_labelled_report(
    clinic: list[Any], users: dict[str, Any], actor_for: Any
) -> None:
    report = cohort.cohort_report(
        actor_for(users["physician"]), {"protocol": "ketamine-im-0.5mgkg"}
    )
    assert report.empty
    assert report.label == "patients on protocol ketamine-im-0.5mgkg"
    assert report.pain_rates[0].proportion.rate is None
    assert report.durability.n == 0


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"protocol": "made-up"}, "protocol"),
        ({"location": "nowhere"}, "location"),
        ({"since": "2025-02-01", "until": "2025-01-01"}, "until"),
        ({"since": "soon"}, "since"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_filters_name_the_field(
    users: dict[str, Any], actor_for: Any, data: dict, field: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        cohort.cohort_report(actor_for(users["manager"]), data)
    assert field in [e.field for e in error.value.errors]


def test_infusion_figures_come_through_the_seam(
    clinic: list[Any], users: dict[str, Any], actor_for: Any, infusions_given: list
) -> None:
    infusions_given += [
        infusion(clinic[0], 60, side_effects=("nausea",), alerts=1),
        infusion(clinic[0], 40),
        infusion(clinic[2], 50, side_effects=("nausea", "dizziness")),
    ]
    report = cohort.cohort_report(actor_for(users["manager"]), {})
    assert (report.patients_treated, report.infusions) == (2, 3)
    assert (report.side_effects.successes, report.side_effects.n) == (2, 3)
    assert report.side_effects_by_code == (("nausea", 2), ("dizziness", 1))
    # Patient 0: last infusion 40 days ago, pain 9 thirty days ago (>= 5.6): returned after 10
    # days. Patient 2: pain 9 >= 4.2 thirty days ago: returned after 20 days.
    assert (report.durability.n, report.durability.events) == (2, 2)
    assert report.durability.times == pytest.approx((10, 20), abs=0.01)


def test_drop_outs_count_each_patient_once(
    clinic: list[Any], clinician: Any, users: dict[str, Any], actor_for: Any
) -> None:
    today = timezone.localdate()
    with committed():
        services.record_discontinuation(
            clinician, clinic[0].pk, {"reason": "cost", "stopped_on": today}
        )
        first = services.record_discontinuation(
            clinician, clinic[1].pk, {"reason": "cost", "stopped_on": today}
        )
        services.record_discontinuation(
            clinician,
            clinic[1].pk,
            {
                "reason": "side_effects",
                "stopped_on": today,
                "amends": first.pk,
                "amendment_reason": "it was the nausea",
            },
        )
    dropouts = cohort.cohort_report(actor_for(users["manager"]), {}).dropouts
    assert (dropouts.overall.successes, dropouts.overall.n) == (2, 5)
    assert dropouts.by_reason == (("cost", 1), ("side_effects", 1))


def test_who_sees_the_cohort(users: dict[str, Any], actor_for: Any, patient_user: Any) -> None:
    for role in ("physician", "manager"):
        cohort.cohort_report(actor_for(users[role]), {})
    for user in (users["nurse"], users["front_desk"], patient_user):
        with pytest.raises(Forbidden):
            cohort.cohort_report(actor_for(user), {})


def test_clinic_month_counts_the_month(
    clinic: list[Any], users: dict[str, Any], actor_for: Any
) -> None:
    month = timezone.localdate().replace(day=1)
    data = reports.clinic_month(actor_for(users["manager"]), {"month": f"{month:%Y-%m}"})
    assert data.partial
    assert data.new_patients == 5
    assert data.cohort.patients == 5
    start = timezone.make_aware(datetime.combine(month, time.min))
    expected = Assessment.objects.current().filter(completed_at__gte=start).count()
    assert sum(n for _, n in data.assessments) == expected
    entry = AuditEvent.objects.get(action="report.clinic")
    assert entry.detail == {"month": f"{month:%Y-%m}", "partial": True}


def test_a_past_month_leaves_later_scores_out(
    clinic: list[Any], users: dict[str, Any], actor_for: Any
) -> None:
    past = (timezone.localdate() - timedelta(days=400)).replace(day=1)
    data = reports.clinic_month(actor_for(users["manager"]), {"month": f"{past:%Y-%m}"})
    assert not data.partial
    assert (data.new_patients, data.started, data.cohort.patients) == (0, 0, 0)


@pytest.mark.parametrize("month", ["2999-01", "2025-13", "March", "1999-12", ""])
def test_a_future_or_malformed_month_is_refused(
    users: dict[str, Any], actor_for: Any, month: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        reports.clinic_month(actor_for(users["manager"]), {"month": month})
    assert error.value.errors[0].field == "month"


def test_next_month_is_in_the_future(users: dict[str, Any], actor_for: Any) -> None:
    first = timezone.localdate().replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    with pytest.raises(InvalidInput) as error:
        reports.clinic_month(actor_for(users["manager"]), {"month": f"{following:%Y-%m}"})
    assert "in the future" in error.value.errors[0].message
