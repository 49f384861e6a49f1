"""The staff web UI and the patient's own view of their record."""

from __future__ import annotations

from typing import Any

from django.test import Client

from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.patients.models import BodyMeasurement, Patient

NEW_PATIENT = {
    "given_name": "Casey",
    "family_name": "Sample",
    "date_of_birth": "1981-02-03",
    "sex": "female",
    "weight_kg": "64.5",
    "height_cm": "170",
    "allergies": "latex\npenicillin",
    "medications": "duloxetine\npregabalin",
    "history_flags": ["hypertension"],
}


def test_anonymous_visitors_are_sent_to_log_in(db: Any) -> None:
    assert Client().get("/").status_code == 200  # the public home page
    for path in ("/patients/", "/patients/1/", "/audit/"):
        answer = Client().get(path)
        assert answer.status_code == 302
        assert answer["Location"].startswith("/login/")


def test_login_page_logs_in_and_audits(users: dict[str, Any]) -> None:
    from support import PASSWORD

    client = Client()
    answer = client.post("/login/", {"username": "nurse-user", "password": PASSWORD})
    assert answer.status_code == 302
    assert client.get("/").url == "/today/"  # the nurse's worklists
    assert AuditEvent.objects.filter(
        action="auth.login", username="nurse-user", outcome="allowed"
    ).exists()
    failed = Client().post("/login/", {"username": "nurse-user", "password": "nope"})
    assert failed.status_code == 200
    assert b"Wrong username or password" in failed.content
    assert AuditEvent.objects.filter(action="auth.login", outcome="failed").exists()


def test_logout_ends_the_session(web_as: Any, users: dict[str, Any]) -> None:
    client = web_as(users["nurse"])
    assert client.post("/logout/").status_code == 302
    assert client.get("/patients/").status_code == 302


def test_session_expires_after_idle_minutes(settings: Any) -> None:
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_MINUTES * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST


def test_search_lists_matches_and_htmx_gets_the_fragment(
    web_as: Any, users: dict[str, Any], register: Any
) -> None:
    register(mrn="W-1", family_name="Findme")
    register(mrn="W-2", family_name="Hidden")
    client = web_as(users["front_desk"])
    page = client.get("/patients/", {"q": "findme"})
    assert b"Findme" in page.content
    assert b"Hidden" not in page.content
    fragment = client.get("/patients/", {"q": "findme"}, headers={"HX-Request": "true"})
    assert b"<html" not in fragment.content
    assert b"Findme" in fragment.content


def test_search_by_date_of_birth_as_typed_in_the_us(
    web_as: Any, users: dict[str, Any], register: Any
) -> None:
    register(mrn="W-3", family_name="Bornmarch", date_of_birth="1980-03-15")
    register(mrn="W-4", family_name="Bornlater", date_of_birth="1981-03-15")
    client = web_as(users["front_desk"])
    for typed in ("03/15/1980", "3/15/1980", "03-15-1980", "1980-03-15"):
        page = client.get("/patients/", {"q": typed})
        assert b"Bornmarch" in page.content, typed
        assert b"Bornlater" not in page.content, typed
    assert b"Bornmarch" not in client.get("/patients/", {"q": "15/03/1980"}).content


def test_chart_shows_the_record(web_as: Any, users: dict[str, Any], patient: Any) -> None:
    page = web_as(users["nurse"]).get(f"/patients/{patient.pk}/")
    assert page.status_code == 200
    assert b"MRN-0001" in page.content
    assert b"70.0 kg" in page.content


def test_register_through_the_form(web_as: Any, users: dict[str, Any]) -> None:
    answer = web_as(users["physician"]).post("/patients/new/", NEW_PATIENT)
    assert answer.status_code == 302, answer.content
    patient = Patient.objects.get(family_name="Sample")
    assert [a["allergen"] for a in patient.allergies] == ["latex", "penicillin"]
    assert [m["name"] for m in patient.medications] == ["duloxetine", "pregabalin"]
    assert patient.history_flags == ["hypertension"]
    assert BodyMeasurement.objects.get(patient=patient).weight_kg == 64.5


def test_register_form_errors_name_the_field_and_write_nothing(
    web_as: Any, users: dict[str, Any]
) -> None:
    answer = web_as(users["physician"]).post(
        "/patients/new/", {**NEW_PATIENT, "weight_kg": "0", "date_of_birth": "2999-01-01"}
    )
    assert answer.status_code == 422
    assert b"cannot be in the future" in answer.content
    assert b"greater than 0" in answer.content
    assert Patient.objects.count() == 0


def test_front_desk_registers_without_clinical_fields(web_as: Any, users: dict[str, Any]) -> None:
    answer = web_as(users["front_desk"]).post("/patients/new/", NEW_PATIENT)
    assert answer.status_code == 302
    patient = Patient.objects.get()
    assert (patient.allergies, patient.history_flags) == ([], [])


def test_edit_through_the_form(web_as: Any, users: dict[str, Any], patient: Any) -> None:
    client = web_as(users["nurse"])
    form = client.get(f"/patients/{patient.pk}/edit/")
    assert b'value="1970-05-17"' in form.content
    answer = client.post(
        f"/patients/{patient.pk}/edit/",
        {
            **{k: v for k, v in NEW_PATIENT.items() if k not in ("weight_kg", "height_cm")},
            "phone": "555-0177",
        },
    )
    assert answer.status_code == 302, answer.content
    patient.refresh_from_db()
    assert (patient.family_name, patient.phone) == ("Sample", "555-0177")
    assert [a["allergen"] for a in patient.allergies] == ["latex", "penicillin"]


def test_measurement_form_refuses_bad_values(
    web_as: Any, users: dict[str, Any], patient: Any
) -> None:
    answer = web_as(users["nurse"]).post(
        f"/patients/{patient.pk}/measurements/", {"weight_kg": "999"}
    )
    assert answer.status_code == 422
    assert BodyMeasurement.objects.count() == 1


def test_wrong_role_gets_403_page(web_as: Any, users: dict[str, Any], patient: Any) -> None:
    manager = web_as(users["manager"])
    assert manager.get(f"/patients/{patient.pk}/").status_code == 403
    assert web_as(users["nurse"]).get("/patients/new/").status_code == 403
    assert AuditEvent.objects.filter(outcome="denied").count() == 2


def test_patient_sees_own_chart_only(web_as: Any, patient_user: Any, register: Any) -> None:
    other = register(mrn="MRN-OTHER")
    client = web_as(patient_user)
    assert client.get("/").url == f"/patients/{patient_user.patient_id}/"
    own = client.get(f"/patients/{patient_user.patient_id}/")
    assert own.status_code == 200
    assert b"Edit" not in own.content
    assert client.get(f"/patients/{other.pk}/").status_code == 403
    assert client.get("/patients/").status_code == 403


def test_unknown_patient_is_404(web_as: Any, users: dict[str, Any]) -> None:
    assert web_as(users["nurse"]).get("/patients/424242/").status_code == 404


def test_web_login_locks_out_after_repeated_failures(users: dict[str, Any], settings: Any) -> None:
    from support import PASSWORD

    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post("/login/", {"username": "nurse-user", "password": "wrong"})
    locked = Client().post("/login/", {"username": "nurse-user", "password": PASSWORD})
    assert locked.status_code in (403, 429)
    assert b"Too many failed log-ins" in locked.content
    assert "_auth_user_id" not in locked.wsgi_request.session
