"""The demo clinic's assessments: baselines, weeks of follow-up, one open alert, a request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ketaclinic.records.alerts.models import Alert
from ketaclinic.records.assessments.demo import FOLLOW_UP_DAYS_AGO, WITH_ALERT, WITH_HISTORY
from ketaclinic.records.assessments.models import Assessment, AssessmentRequest
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.demo import load_demo


@pytest.fixture
def var_dir(settings: Any, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_demo_assessments_load_once(db: Any, var_dir: Path) -> None:
    load_demo()
    counts = (Assessment.objects.count(), AssessmentRequest.objects.count(), Alert.objects.count())
    audit_entries = AuditEvent.objects.count()
    load_demo()
    assert (
        Assessment.objects.count(),
        AssessmentRequest.objects.count(),
        Alert.objects.count(),
    ) == counts
    assert AuditEvent.objects.count() == audit_entries

    per_patient = 10 + len(FOLLOW_UP_DAYS_AGO) + len(FOLLOW_UP_DAYS_AGO) // 2
    # The sessions demo's completed session adds its own scores (pain, CADSS-6, Aldrete).
    # Not counting the three questionnaires of the demo's online intake (docs/intake.md).
    outside_sessions = (
        Assessment.objects.filter(infusion_session__isnull=True)
        .exclude(patient__mrn="DEMO-0102")
        .count()
    )
    assert outside_sessions == per_patient * len(WITH_HISTORY) + 1
    for mrn in WITH_HISTORY:
        mine = Assessment.objects.filter(patient__mrn=mrn)
        assert mine.filter(context="baseline").count() == 10
        assert mine.filter(instrument_id="nrs_pain_average").count() == 5
        assert all(a.valid for a in mine)
    alert = Alert.objects.get()
    assert (alert.patient.mrn, alert.code, alert.severity) == (WITH_ALERT, "phq9_item9", "urgent")
    assert not hasattr(alert, "acknowledgement")
    # The two online-intake patients' baseline requests come with their invitations.
    request = AssessmentRequest.objects.get(patient__mrn="DEMO-0001")
    assert request.requested_by.username == "frontdesk"
