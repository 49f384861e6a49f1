"""Minimum necessary: the front desk sees demographics, contacts and scheduling; never
allergies, medications, history or scores. The test walks every web page (from the URL
resolver) and every API GET operation (from the OpenAPI document) as the front desk, on the
demo clinic's data, and looks for any patient's clinical facts in the answers."""

from __future__ import annotations

import json
from typing import Any

import walk
from django.test import Client
from django.urls import get_resolver
from walk import demo_password_of

from ketaclinic.api.app import api
from ketaclinic.records.patients.allergies import patient_allergies
from ketaclinic.records.patients.history import history_flag_labels
from ketaclinic.records.patients.models import Patient
from support import MODEL_BACKEND, ApiClient


def _clinical_markers(patient: Patient) -> list[str]:
    labels = history_flag_labels()
    markers = [allergy.label for allergy in patient_allergies(patient)]
    markers += [m["name"] for m in patient.medications]
    markers += [labels.get(flag, flag) for flag in patient.history_flags]
    return [marker for marker in markers if marker]


def test_the_front_desk_sees_no_clinical_fact_anywhere(demo_clinic: Patient) -> None:
    from ketaclinic.records.accounts.models import User

    desk = User.objects.get(role="front_desk")
    markers = _clinical_markers(demo_clinic)
    assert len(markers) >= 2, "the demo patient chosen must carry clinical facts"
    web = Client()
    web.force_login(desk, backend=MODEL_BACKEND)
    public = Client()  # a public page (the therapy's medicines) names no patient's facts
    pages = 0
    for route in walk.routes(get_resolver().url_patterns):
        path = walk.fill(route, demo_clinic.pk)
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
        {"username": desk.username, "password": demo_password_of(desk.username)},
        content_type="application/json",
    )
    client = ApiClient(token.json()["token"])
    reached = 0
    for path, operations in api.get_openapi_schema()["paths"].items():
        if "get" not in operations:
            continue
        concrete = walk.api_path(path, demo_clinic.pk)
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


def test_clinicians_still_see_the_clinical_part(demo_clinic: Patient, web_as: Any) -> None:
    from ketaclinic.records.accounts.models import User

    nurse = User.objects.get(role="nurse")
    page = web_as(nurse).get(f"/patients/{demo_clinic.pk}/").content.decode()
    assert all(marker in page for marker in _clinical_markers(demo_clinic))
