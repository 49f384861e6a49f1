"""The per-patient outcome summaries behind the dashboard: the same figures as each patient's
screen, refreshed after each write, rebuilt by ``ketaclinic outcomes refresh``."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from outcomes_support import PAIN, answers, committed, history, infusion

from ketaclinic.cli import main as cli
from ketaclinic.outcomes import (
    dropout_summary,
    durability_curve,
    mean_estimate,
    outcome_rules,
    proportion,
)
from ketaclinic.records.assessments import services as assessments
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.outcomes import cohort, services, summaries
from ketaclinic.records.outcomes.models import PatientOutcomeSummary

# Per patient: (days ago, instrument, value, context) rows; varied on purpose: responders of
# each kind, a baseline of 0, no follow-up, FIQR and PHQ-9 changes, dissociation scores.
HISTORIES = (
    [
        (90, PAIN, 8, "baseline"),
        (90, "fiqr", 60, "baseline"),
        (90, "phq9", 12, "baseline"),
        (50, "cadss6", 4, "post_infusion"),
        (30, PAIN, 9, "follow_up"),
        (10, PAIN, 4, "follow_up"),
        (10, "fiqr", 40, "follow_up"),
        (10, "phq9", 6, "follow_up"),
    ],
    [
        (80, PAIN, 10, "baseline"),
        (80, "fiqr", 70, "baseline"),
        (45, "cadss6", 9, "post_infusion"),
        (44, "cadss6", 2, "post_infusion"),
        (20, PAIN, 7, "pre_infusion"),
        (19.9, PAIN, 2, "post_infusion"),
        (5, "fiqr", 70, "follow_up"),
    ],
    [(70, PAIN, 6, "baseline"), (40, PAIN, 5, "follow_up"), (2, PAIN, 6, "follow_up")],
    [(60, PAIN, 0, "baseline"), (30, PAIN, 0, "follow_up")],
    [(20, PAIN, 7, "baseline"), (20, "fiqr", 50, "baseline")],
    [(15, "phq9", 10, "follow_up")],  # no baseline: not in the programme
)


@pytest.fixture
def cohort_patients(
    clinician: Any, register: Any, infusions_given: list, sign_plan: Any
) -> list[Any]:
    made = []
    for number, rows in enumerate(HISTORIES):
        patient = register(mrn=f"S-{number}", given_name=f"S{number}")
        history(clinician, patient, rows)
        made.append(patient)
    sign_plan(made[0])
    infusions_given += [
        infusion(made[0], 60, side_effects=("nausea",), alerts=1),
        infusion(made[0], 50),
        infusion(made[1], 45, side_effects=("nausea", "dizziness")),
        infusion(made[1], 44, side_effects=("dizziness",)),
        infusion(made[2], 39),
    ]
    with committed():
        services.record_discontinuation(
            clinician, made[2].pk, {"reason": "no_benefit", "stopped_on": timezone.localdate()}
        )
    return made


def test_the_dashboard_equals_the_screens_of_its_patients(
    cohort_patients: list[Any], clinician: Any, users: dict[str, Any], actor_for: Any
) -> None:
    report = cohort.cohort_report(actor_for(users["manager"]), {})
    screens = [services.patient_outcomes(clinician, p.pk) for p in cohort_patients[:5]]
    outcomes = [s.outcome for s in screens]
    rules = outcome_rules()
    assert report.patients == 5
    assert report.freshness.waiting == 0
    assert report.freshness.oldest is not None
    for instrument in rules.shown_instruments:
        changes = [c.points for o in outcomes if (c := o.trajectory(instrument).change())]
        expected = mean_estimate(changes)
        got = next(c.estimate for c in report.changes if c.instrument_id == instrument)
        assert got.n == expected.n
        if expected.n:
            assert got.mean == pytest.approx(expected.mean)
        if expected.interval:
            assert got.interval is not None
            assert got.interval.low == pytest.approx(expected.interval.low)
            assert got.interval.high == pytest.approx(expected.interval.high)
    for rates, response in (
        (report.pain_rates, "pain_response"),
        (report.fiqr_rates, "fiqr_response"),
    ):
        statuses = [getattr(o, response) for o in outcomes]
        assessable = [s for s in statuses if s.category != "unknown"]
        categories = [r.threshold.category for r in rates]
        for index, rate in enumerate(rates):
            met = sum(s.category in categories[: index + 1] for s in assessable)
            assert rate.proportion == proportion(met, len(assessable))
    assert [o.pain_response.category for o in outcomes] == [
        "substantial",
        "moderate",
        "not_reached",
        "unknown",
        "unknown",
    ]
    curve = durability_curve(o.durability for o in outcomes)
    assert (report.durability.n, report.durability.events) == (curve.n, curve.events) == (3, 3)
    assert report.durability.times == pytest.approx(curve.times)
    assert report.durability.survival == pytest.approx(curve.survival)
    assert (report.infusions, report.patients_treated) == (5, 3)
    assert (report.side_effects.successes, report.side_effects.n) == (3, 5)
    assert report.side_effects_by_code == (("dizziness", 2), ("nausea", 2))
    cadss = [p.total for o in outcomes for p in o.dissociation.points]
    assert report.dissociation.scores == len(cadss) == 3
    assert report.dissociation.patients == 2
    assert report.dissociation.mean == pytest.approx(sum(cadss) / len(cadss))
    assert report.dissociation.highest == max(cadss)
    assert report.dropouts == dropout_summary({"no_benefit": 1}, 5)


def test_a_write_refreshes_the_patients_summary(
    cohort_patients: list[Any], clinician: Any, users: dict[str, Any], actor_for: Any
) -> None:
    patient = cohort_patients[2]
    before = PatientOutcomeSummary.objects.get(pk=patient.pk)
    assert before.pain_category == "not_reached"
    manager = actor_for(users["manager"])
    # Written but not committed (the test's transaction never commits): the row waits, and the
    # dashboard says so.
    assessments.record_assessment(
        clinician,
        patient.pk,
        {"instrument": PAIN, "answers": answers(PAIN, 2), "context": "follow_up"},
    )
    waiting = PatientOutcomeSummary.objects.get(pk=patient.pk)
    assert waiting.pending
    assert waiting.pain_category == "not_reached"
    assert cohort.cohort_report(manager, {}).freshness.waiting == 1
    # The next write commits: the refresh reads everything the patient has, both scores.
    with committed():
        history(clinician, patient, [(0, "fiqr", 30, "follow_up")])
    after = PatientOutcomeSummary.objects.get(pk=patient.pk)
    assert (after.pain_category, after.pending) == ("substantial", False)
    assert after.refreshed_at > before.refreshed_at
    assert cohort.cohort_report(manager, {}).freshness.waiting == 0
    screen = services.patient_outcomes(clinician, patient.pk).outcome
    assert screen.pain_response.category == after.pain_category


def test_outcomes_refresh_rebuilds_stale_and_missing_rows(
    cohort_patients: list[Any], users: dict[str, Any], actor_for: Any, capsys: Any
) -> None:
    rows = PatientOutcomeSummary.objects.order_by("pk")
    current = summaries.summary_version()
    assert set(rows.values_list("rules_version", flat=True)) == {current}
    # Rows made by older rules, and a patient whose row was never made (as after an upgrade).
    rows.filter(pk__in=[p.pk for p in cohort_patients[:2]]).update(
        rules_version="outcomes 2024.0; older", pain_category="stale"
    )
    rows.filter(pk=cohort_patients[3].pk).delete()
    manager = actor_for(users["manager"])
    report = cohort.cohort_report(manager, {})
    assert report.freshness.waiting == 3
    assert report.patients == 4
    audited = AuditEvent.objects.count()
    assert cli(["outcomes", "refresh"]) == 0
    assert "3 outcome summaries refreshed" in capsys.readouterr().out
    assert set(rows.values_list("rules_version", flat=True)) == {current}
    assert rows.filter(pain_category="stale").count() == 0
    assert AuditEvent.objects.count() == audited  # no patient data shown, nothing to audit
    report = cohort.cohort_report(manager, {})
    assert (report.patients, report.freshness.waiting) == (5, 0)
    assert cli(["outcomes", "refresh", "--all", "--batch", "2"]) == 0
    assert f"{len(cohort_patients)} outcome summaries refreshed" in capsys.readouterr().out
    assert cli(["outcomes", "refresh", "--batch", "0"]) == 2
    assert "--batch" in capsys.readouterr().err


def test_the_dashboard_shows_how_current_it_is(
    cohort_patients: list[Any], users: dict[str, Any], web_as: Any, api_as: Any
) -> None:
    PatientOutcomeSummary.objects.filter(pk=cohort_patients[0].pk).update(pending=True)
    page = web_as(users["manager"]).get("/outcomes/").content.decode()
    assert "Figures as of" in page
    assert "1 patient waiting to be refreshed" in page
    data = api_as(users["manager"]).get("/api/outcomes/cohort").json()
    assert data["summaries"]["patients_waiting"] == 1
