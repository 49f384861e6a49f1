"""The alert flow end to end: an answer raises an urgent alert addressed to the patient's
physician, shown on the chart and the clinic-wide list until acknowledged with a note."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from assessments_support import phq9

from ketaclinic.instruments import packaged_toml
from ketaclinic.records.alerts.models import Acknowledgement, Alert
from ketaclinic.records.assessments import services
from ketaclinic.records.assessments.models import Assessment
from ketaclinic.records.audit.models import AuditEvent


def test_phq9_item9_from_the_patients_own_form_to_acknowledgement(
    web_as: Any, users: dict[str, Any], patient: Any, patient_user: Any
) -> None:
    # The patient answers PHQ-9 in their account: item 9 = 1, total only 9 ("mild").
    answers = {key: str(value) for key, value in phq9(item9=1, others=1).items()}
    sent = web_as(patient_user).post("/my/questionnaires/phq9/", answers, follow=True)
    assert sent.status_code == 200
    assert b"Your care team has been alerted" in sent.content
    assessment = Assessment.objects.get()
    assert (assessment.total, assessment.band_code, assessment.entered_by) == (9, "mild", "patient")

    alert = Alert.objects.get()
    assert (alert.code, alert.severity) == ("phq9_item9", "urgent")
    assert alert.addressed_to == users["physician"]
    assert (alert.source_type, alert.source_id) == ("assessments.assessment", str(assessment.pk))
    assert "item 9 answered 1" in alert.message

    physician = web_as(users["physician"])
    chart = physician.get(f"/patients/{patient.pk}/")
    assert b"Open alerts" in chart.content
    assert alert.message.encode() in chart.content
    clinic_wide = physician.get("/alerts/")
    assert alert.message.encode() in clinic_wide.content

    done = physician.post(
        f"/alerts/{alert.pk}/acknowledge/",
        {"note": "phoned the patient; safety plan agreed", "next": f"/patients/{patient.pk}/"},
    )
    assert done.status_code == 302
    assert Acknowledgement.objects.get().note == "phoned the patient; safety plan agreed"
    assert alert.message.encode() not in physician.get("/alerts/").content

    trail = list(
        AuditEvent.objects.filter(patient_id=patient.pk)
        .order_by("id")
        .values_list("username", "action", "face")
    )
    assert ("patient-user", "assessment.record", "web") in trail
    assert ("patient-user", "alert.raise", "web") in trail
    # the chart's panels are audited as one entry naming each read
    chart_reads = [
        read["action"]
        for detail in AuditEvent.objects.filter(
            patient_id=patient.pk, username="physician-user", action="patient.view", face="web"
        ).values_list("detail", flat=True)
        for read in detail.get("reads", [])
    ]
    assert "alert.view" in chart_reads
    assert ("physician-user", "alert.acknowledge", "web") in trail


def test_no_alert_when_item9_is_zero_whatever_the_total(record: Any) -> None:
    severe = record("phq9", phq9(item9=0, others=3))
    assert (severe.total, severe.band_code) == (24, "severe")
    assert not Alert.objects.exists()


def test_an_amendment_raises_only_alerts_the_original_did_not(
    record: Any, users: dict[str, Any], actor_for: Any, patient: Any
) -> None:
    nurse = actor_for(users["nurse"])
    original = record("phq9", phq9(item9=0))
    worse = services.amend_assessment(
        nurse, patient.pk, original.pk, {"answers": phq9(item9=2), "reason": "misread item 9"}
    )
    assert Alert.objects.get().source_id == str(worse.pk)
    services.amend_assessment(
        nurse, patient.pk, worse.pk, {"answers": phq9(item9=2, others=0), "reason": "typo"}
    )
    assert Alert.objects.count() == 1  # the same finding, already raised


def test_a_band_marked_urgent_in_a_clinics_data_raises_an_urgent_alert(
    settings: Any, tmp_path: Path, record: Any, users: dict[str, Any]
) -> None:
    toml = packaged_toml()["phq9.toml"]
    toml = toml.replace('version = "1.0.0"', 'version = "1.1.0-clinic"', 1)
    toml = toml.replace('code = "severe"\n', 'code = "severe"\nurgent = true\n', 1)
    override = tmp_path / "phq9-clinic.toml"
    override.write_text(toml)
    settings.KETACLINIC_INSTRUMENT_FILES = [str(override)]

    stored = record("phq9", phq9(item9=0, others=3))
    assert stored.instrument_version == "1.1.0-clinic"
    alert = Alert.objects.get()
    assert (alert.code, alert.severity) == ("phq9_band_severe", "urgent")
    assert alert.addressed_to == users["physician"]
    assert record("phq9", phq9(item9=0, others=1)).alerts == []


def test_without_a_responsible_physician_the_alert_goes_to_every_clinician(
    register: Any, users: dict[str, Any], record: Any
) -> None:
    unassigned = register(mrn="MRN-NOBODY")
    record("phq9", phq9(item9=3), patient_id=unassigned.pk)
    assert Alert.objects.get().addressed_to is None


@pytest.mark.parametrize("face", ["api", "web"])
def test_staff_entry_raises_the_same_alert(
    face: str, api_as: Any, web_as: Any, users: dict[str, Any], patient: Any
) -> None:
    path = f"/patients/{patient.pk}/assessments"
    if face == "api":
        body = {"instrument": "phq9", "answers": phq9(item9=1), "context": "baseline"}
        assert api_as(users["nurse"]).post(f"/api{path}", body).status_code == 201
    else:
        form = {k: str(v) for k, v in phq9(item9=1).items()} | {"context": "baseline"}
        assert web_as(users["nurse"]).post(f"{path}/new/phq9/", form).status_code == 302
    alert = Alert.objects.get()
    assert (alert.severity, alert.raised_by) == ("urgent", users["nurse"])
