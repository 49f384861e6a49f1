"""The outcome screen, the chart panel, the cohort dashboard and the reports page."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from outcomes_support import infusion

from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.outcomes.models import BoosterReview, Discontinuation


def test_outcome_screen_answers_at_a_glance(
    scored: Any, web_as: Any, users: dict[str, Any]
) -> None:
    page = web_as(users["nurse"]).get(f"/patients/{scored.pk}/outcomes/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Is it working?" in text
    assert "Not a responder" in text
    assert "Improved by the MCID (unconfirmed)" in text
    assert 'src="data:image/svg+xml;base64,' in text
    assert "No infusions recorded yet." in text
    assert "Pain right now, before → after each infusion" in text
    # pain right now is paired (7 → 3, 6 → 3); the 24-hour averages taken then are not
    assert "No infusion yet with pain right now scored before and after it." not in text
    assert "Mean change -3.5 points over 2 infusions" in text
    assert "Record decision" not in text  # no booster is due; nurses do not decide anyway
    entry = AuditEvent.objects.filter(action="outcome.view").latest("id")
    assert (entry.face, entry.detail) == ("web", {"view": "screen"})


def test_who_opens_the_screen(
    scored: Any, web_as: Any, users: dict[str, Any], patient_user: Any
) -> None:
    assert web_as(users["front_desk"]).get(f"/patients/{scored.pk}/outcomes/").status_code == 403
    assert web_as(users["manager"]).get(f"/patients/{scored.pk}/outcomes/").status_code == 403
    own = web_as(patient_user).get(f"/patients/{scored.pk}/outcomes/")
    assert own.status_code == 200
    assert b"Stopping the programme" in own.content
    assert b"Record that the patient stopped" not in own.content
    assert web_as(users["nurse"]).get("/patients/999999/outcomes/").status_code == 404


def test_the_chart_shows_the_panel_to_clinicians_only(
    scored: Any, web_as: Any, users: dict[str, Any]
) -> None:
    chart = web_as(users["nurse"]).get(f"/patients/{scored.pk}/")
    assert b"Is it working?" in chart.content
    assert f"/patients/{scored.pk}/outcomes/".encode() in chart.content
    desk = web_as(users["front_desk"]).get(f"/patients/{scored.pk}/")
    assert b"Is it working?" not in desk.content


def test_physician_decides_a_due_booster_on_the_screen(
    scored: Any, web_as: Any, users: dict[str, Any], infusions_given: list, sign_plan: Any
) -> None:
    sign_plan(scored)
    infusions_given += [infusion(scored, 60), infusion(scored, 58, dose_mg=38)]
    client = web_as(users["physician"])
    page = client.get(f"/patients/{scored.pk}/outcomes/").content.decode()
    assert "A booster is due" in page
    assert "Record decision" in page
    assert "38" in page
    path = f"/patients/{scored.pk}/outcomes/booster/"
    missing = client.post(path, {"decision": "accepted", "note": ""})
    assert missing.status_code == 422
    assert b"note:" in missing.content
    assert not BoosterReview.objects.exists()
    done = client.post(path, {"decision": "accepted", "note": "book it"})
    assert done.status_code == 302
    assert BoosterReview.objects.get().note == "book it"
    again = client.post(path, {"decision": "declined", "note": "no"})
    assert again.status_code == 409
    assert b"already been decided" in again.content
    after = client.get(f"/patients/{scored.pk}/outcomes/").content.decode()
    assert "Accepted by" in after
    assert "Record decision" not in after
    nurse = web_as(users["nurse"]).post(path, {"decision": "accepted", "note": "x"})
    assert nurse.status_code == 403


def test_recording_a_drop_out_on_the_screen(
    scored: Any, web_as: Any, users: dict[str, Any]
) -> None:
    client = web_as(users["nurse"])
    path = f"/patients/{scored.pk}/outcomes/discontinuation/"
    future = client.post(path, {"reason": "cost", "stopped_on": "2999-01-01"})
    assert future.status_code == 422
    assert b"Stopped on: cannot be in the future" in future.content
    other = client.post(path, {"reason": "other", "stopped_on": "2025-01-01"})
    assert other.status_code == 422
    assert not Discontinuation.objects.exists()
    assert client.post(path, {"reason": "cost", "stopped_on": "2025-01-01"}).status_code == 302
    assert b"Cost or coverage" in client.get(f"/patients/{scored.pk}/outcomes/").content


def test_patient_report_and_fhir_downloads(scored: Any, web_as: Any, users: dict[str, Any]) -> None:
    client = web_as(users["physician"])
    report = client.get(f"/patients/{scored.pk}/report.pdf")
    assert (report.status_code, report["Content-Type"]) == (200, "application/pdf")
    assert report.content.startswith(b"%PDF")
    fhir = client.get(f"/patients/{scored.pk}/fhir.json")
    assert fhir["Content-Type"] == "application/fhir+json"
    assert b'"resourceType": "Bundle"' in fhir.content
    assert AuditEvent.objects.filter(action="report.patient", face="web").exists()
    assert AuditEvent.objects.filter(action="export.fhir", face="web").exists()
    assert web_as(users["front_desk"]).get(f"/patients/{scored.pk}/report.pdf").status_code == 403


def test_cohort_dashboard(scored: Any, web_as: Any, users: dict[str, Any]) -> None:
    client = web_as(users["manager"])
    home = client.get("/patients/").status_code
    assert home == 403  # managers see aggregates, not patients
    page = client.get("/outcomes/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'href="/outcomes/"' in text  # the nav link
    assert "All patients: 1 patient" in text
    assert 'src="data:image/svg+xml;base64,' in text
    fragment = client.get(
        "/outcomes/", {"protocol": "ketamine-im-0.5mgkg"}, headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200
    assert b"<html" not in fragment.content
    assert b"Patients on protocol ketamine-im-0.5mgkg: 0 patients" in fragment.content
    assert b"No patient matches these filters" in fragment.content
    bad = client.get("/outcomes/", {"since": "2025-05-01", "until": "2025-01-01"})
    assert bad.status_code == 422
    assert b"Until: must not be before since" in bad.content
    assert web_as(users["nurse"]).get("/outcomes/").status_code == 403


def test_reports_page_and_downloads(scored: Any, web_as: Any, users: dict[str, Any]) -> None:
    manager = web_as(users["manager"])
    page = manager.get("/reports/").content.decode()
    assert "Monthly clinic report" in page
    assert "De-identified research export" in page
    assert "Clinic tables (identified)" not in page
    future = manager.get("/reports/clinic.pdf", {"month": "2999-01"})
    assert future.status_code == 422
    assert b"is in the future" in future.content
    month = manager.get("/reports/clinic.pdf", {"month": "2025-01"})
    assert month["Content-Type"] == "application/pdf"
    research = manager.get("/reports/research.zip")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(research.streaming_content)))
    assert "research/scores.csv" in archive.namelist()
    assert b"MRN-0001" not in b"".join(archive.read(name) for name in archive.namelist())
    no_agreement = manager.get("/reports/research.zip", {"variant": "limited_data_set"})
    assert no_agreement.status_code == 422
    assert b"Data use agreement" in no_agreement.content
    limited = manager.get(
        "/reports/research.zip", {"variant": "limited_data_set", "agreement": "DUA-7"}
    )
    assert 'filename="limited-data-set-' in limited["Content-Disposition"]
    b"".join(limited.streaming_content)
    assert manager.get("/reports/research.zip", {"variant": "everything"}).status_code == 422
    assert manager.get("/reports/tables.zip").status_code == 403
    tables = web_as(users["physician"]).get("/reports/tables.zip")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(tables.streaming_content)))
    assert b"MRN-0001" in archive.read("tables/patients.csv")
    assert web_as(users["nurse"]).get("/reports/").status_code == 403
