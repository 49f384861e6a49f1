"""Minimum necessary: the front desk sees demographics, contacts and scheduling; never
allergies, medications, history or scores. The test walks every web page (from the URL
resolver) and every API GET operation (from the OpenAPI document) as the front desk, on the
demo clinic's data, and looks for any patient's clinical facts in the answers."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from ketaclinic.api.app import api
from ketaclinic.records.demo import load_demo
from ketaclinic.records.patients.allergies import patient_allergies
from ketaclinic.records.patients.history import history_flag_labels
from ketaclinic.records.patients.models import Patient
from support import MODEL_BACKEND, ApiClient

# A path parameter → the model whose ids fill it.
MODELS = {
    "alert_id": "alerts.Alert",
    "appointment_id": "bookings.Appointment",
    "assessment_id": "assessments.Assessment",
    "consent_id": "consents.Consent",
    "draw_id": "ledger.Entry",
    "entry_id": "bookings.WaitlistEntry",
    "feed_id": "bookings.CalendarFeed",
    "offer_id": "bookings.WaitlistOffer",
    "order_id": "plans.Order",
    "plan_id": "plans.TreatmentPlan",
    "screening_id": "plans.Screening",
    "series_id": "bookings.Series",
    "session_id": "sessions.Session",
}
TEXT = {"instrument": "fiqr", "slug": "demo-main", "action": "view", "location": "demo-main"}


def _routes(patterns: list[Any], prefix: str = "") -> list[str]:
    routes: list[str] = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith(("api/", "fhir/")):
                continue
            routes += _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            routes.append(route)
    return routes


def _ids(name: str, patient_id: int) -> list[str]:
    if name == "patient_id":
        return [str(patient_id)]
    label = MODELS.get(name)
    if label is None:
        return ["1"]
    try:
        model = apps.get_model(label)
    except LookupError:
        return ["1"]
    found = [str(pk) for pk in model.objects.values_list("pk", flat=True)[:3]]
    return found or ["1"]


def _fill(route: str, patient_id: int) -> str:
    def value(match: re.Match[str]) -> str:
        converter, name = match.group(1) or "str", match.group(2)
        if converter == "int" or name.endswith("_id"):
            return _ids(name, patient_id)[0]
        return TEXT.get(name, "x")

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


def _clinical_markers(patient: Patient) -> list[str]:
    labels = history_flag_labels()
    markers = [allergy.label for allergy in patient_allergies(patient)]
    markers += [m["name"] for m in patient.medications]
    markers += [labels.get(flag, flag) for flag in patient.history_flags]
    return [marker for marker in markers if marker]


@pytest.fixture
def demo_clinic(db: Any, settings: Any, tmp_path: Path) -> Patient:
    """The demo clinic; the patient with the most clinical facts."""
    settings.VAR_DIR = tmp_path
    load_demo()
    return max(
        Patient.objects.all(),
        key=lambda p: len(p.allergies) + len(p.medications) + len(p.history_flags),
    )


def test_the_front_desk_sees_no_clinical_fact_anywhere(demo_clinic: Patient) -> None:
    from ketaclinic.records.accounts.models import User

    desk = User.objects.get(role="front_desk")
    markers = _clinical_markers(demo_clinic)
    assert len(markers) >= 2, "the demo patient chosen must carry clinical facts"
    web = Client()
    web.force_login(desk, backend=MODEL_BACKEND)
    public = Client()  # a public page (the therapy's medicines) names no patient's facts
    pages = 0
    for route in _routes(get_resolver().url_patterns):
        path = _fill(route, demo_clinic.pk)
        if public.get(path).status_code == 200:
            continue
        answer = web.get(path)
        if answer.status_code != 200 or answer.get("Content-Type", "").startswith(
            "application/pdf"
        ):
            continue
        pages += 1
        body = b"".join(answer) if answer.streaming else answer.content
        text = body.decode(errors="replace")
        leaked = [marker for marker in markers if marker in text]
        assert not leaked, f"{path} shows {leaked} to the front desk"
        assert "Current medications" not in text, path
    assert pages >= 10  # the walk reached the desk's pages

    token = Client().post(
        "/api/auth/token",
        {"username": desk.username, "password": _demo_password(desk.username)},
        content_type="application/json",
    )
    client = ApiClient(token.json()["token"])
    reached = 0
    for path, operations in api.get_openapi_schema()["paths"].items():
        if "get" not in operations:
            continue
        concrete = re.sub(r"\{(\w+)\}", lambda m: _ids(m.group(1), demo_clinic.pk)[0], path)
        answer = client.get(concrete)
        if answer.status_code != 200 or not answer["Content-Type"].startswith("application/json"):
            continue
        reached += 1
        text = json.dumps(answer.json())
        leaked = [marker for marker in markers if marker in text]
        assert not leaked, f"GET {concrete} shows {leaked} to the front desk"
    assert reached >= 5
    detail = client.get(f"/api/patients/{demo_clinic.pk}").json()
    assert (detail["allergies"], detail["medications"], detail["history_flags"]) == (
        None,
        None,
        None,
    )
    assert detail["phone"]
    fhir = client.get(f"/fhir/Patient/{demo_clinic.pk}")
    assert not [marker for marker in markers if marker in fhir.content.decode()]


def _demo_password(username: str) -> str:
    from ketaclinic.records.demo import demo_password

    found = demo_password(username)
    assert found is not None
    return found


def test_clinicians_still_see_the_clinical_part(demo_clinic: Patient, web_as: Any) -> None:
    from ketaclinic.records.accounts.models import User

    nurse = User.objects.get(role="nurse")
    page = web_as(nurse).get(f"/patients/{demo_clinic.pk}/").content.decode()
    assert all(marker in page for marker in _clinical_markers(demo_clinic))
