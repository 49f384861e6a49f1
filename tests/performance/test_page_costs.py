"""What the heaviest staff pages cost (issue 18), pinned as counts, not times, so a change
that adds queries or audit entries per view fails here on any machine: the chart with every
panel, the cohort dashboard with its plot."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count

from ketaclinic.records.accounts.models import User
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.choices import Outcome
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.demo import load_demo
from ketaclinic.records.outcomes.summaries import refresh_all
from ketaclinic.records.patients.models import Patient
from support import chain_report

CHART_MAX_QUERIES = 52
"""The demo's busiest patient, as the physician: 52 (100 when each panel wrote its own audit
entry; the navigation's alert count and the record-restriction check are two of them). None
repeats per row shown: the count is set by the panels, not the record's size."""
DASHBOARD_MAX_QUERIES = 21
CHART_READS = {
    "patient.view",
    "alert.view",
    "assessment.view",
    "assessment.request_view",
    "plan.view",
    "consent.view",
    "result.view",
    "booking.view",
    "session.view",
    "session.check_in",
    "outcome.view",
}
PLOT = re.compile(r"data:image/svg\+xml;base64,[A-Za-z0-9+/=]+")
LOCAL_MEMORY = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture
def demo(db: Any, settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path
    load_demo()


@pytest.fixture
def physician(demo: None, client: Any) -> Any:
    client.force_login(User.objects.get(username="physician"))
    return client


def _newest_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _busiest_patient() -> Patient:
    """The demo patient with the most infusion sessions, then assessments."""
    return (
        Patient.objects.annotate(
            sessions=Count("infusion_sessions", distinct=True),
            scores=Count("assessments", distinct=True),
        )
        .order_by("-sessions", "-scores", "pk")
        .first()
    )


def test_the_chart_costs_a_bounded_number_of_queries_and_one_audit_entry(
    physician: Any, django_assert_max_num_queries: Any
) -> None:
    patient = _busiest_patient()
    path = f"/patients/{patient.pk}/"
    physician.get(path)
    before = _newest_id()
    with django_assert_max_num_queries(CHART_MAX_QUERIES):
        response = physician.get(path)
    assert response.status_code == 200
    entries = list(AuditEvent.objects.filter(id__gt=before))
    assert [(e.action, e.patient_id, e.outcome) for e in entries] == [
        ("patient.view", patient.pk, "allowed")
    ]
    reads = entries[0].detail["reads"]
    assert {read["action"] for read in reads} == CHART_READS
    assert {"action": "patient.view", "object": f"patients.patient:{patient.pk}"} in reads
    assert chain_report("audit").broken is None


def test_a_page_gathers_reads_but_writes_denials_and_other_patients_at_once(
    users: dict[str, Any], actor_for: Any, register: Any
) -> None:
    who = actor_for(users["physician"])
    patient, other = register(mrn="MRN-0001"), register(mrn="MRN-0002")
    before = _newest_id()
    with audit.one_entry_per_page(who, Action.PATIENT_VIEW, patient_id=patient.pk):
        audit.record(who, Action.ALERT_VIEW, patient_id=patient.pk, detail={"shown": 2})
        audit.record(who, Action.PLAN_VIEW, outcome=Outcome.DENIED, patient_id=patient.pk)
        with transaction.atomic():
            audit.record(who, Action.PATIENT_EDIT_CLINICAL, patient_id=patient.pk)
        audit.record(who, Action.ALERT_VIEW, patient_id=other.pk)
        audit.record(actor_for(users["nurse"]), Action.ALERT_VIEW, patient_id=patient.pk)
        audit.record(who, Action.CONSENT_VIEW, patient_id=patient.pk)
    written = [
        (e.username, e.action, e.outcome, e.patient_id, e.detail)
        for e in AuditEvent.objects.filter(id__gt=before).order_by("id")
    ]
    assert written == [
        ("physician-user", "plan.view", "denied", patient.pk, {}),
        ("physician-user", "patient.edit_clinical", "allowed", patient.pk, {}),
        ("physician-user", "alert.view", "allowed", other.pk, {}),
        ("nurse-user", "alert.view", "allowed", patient.pk, {}),
        (
            "physician-user",
            "patient.view",
            "allowed",
            patient.pk,
            {
                "reads": [
                    {"action": "alert.view", "detail": {"shown": 2}},
                    {"action": "consent.view"},
                ]
            },
        ),
    ]
    assert chain_report("audit").broken is None


def test_a_page_that_fails_part_way_still_records_what_it_read(
    users: dict[str, Any], actor_for: Any, patient: Any
) -> None:
    who = actor_for(users["physician"])
    before = _newest_id()

    def page() -> None:
        with audit.one_entry_per_page(who, Action.PATIENT_VIEW, patient_id=patient.pk):
            audit.record(who, Action.ALERT_VIEW, patient_id=patient.pk)
            raise RuntimeError("a panel failed")

    with pytest.raises(RuntimeError):
        page()
    entry = AuditEvent.objects.get(id__gt=before)
    assert entry.detail == {"reads": [{"action": "alert.view"}]}


def test_the_cohort_dashboard_aggregates_in_sql_and_draws_its_plot_once(
    physician: Any, settings: Any, django_assert_max_num_queries: Any
) -> None:
    settings.CACHES = LOCAL_MEMORY
    refresh_all(everything=True)
    physician.get("/outcomes/")
    with django_assert_max_num_queries(DASHBOARD_MAX_QUERIES):
        first = physician.get("/outcomes/")
    assert first.status_code == 200
    again = physician.get("/outcomes/")
    plots = [PLOT.findall(page.content.decode()) for page in (first, again)]
    assert len(plots[0]) == 1
    assert plots[0] == plots[1]
    kept = [key for key in cache._cache if "cohort-plot:" in key]  # type: ignore[attr-defined]
    assert len(kept) == 1
