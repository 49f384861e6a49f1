"""An independent validator finds no error in anything the FHIR surface produces: Medplum's
``validateResource`` with the FHIR 4.0.1 definitions (tools/fhir-validate, installed by
scripts/ensure-node-tools, which ``make check`` runs), over the demo clinic's records —
every resource type exported, Bundles of both kinds — and the CapabilityStatement. One Node
run for everything (Node starts slowly), in the SQLite pass of ``make check``."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from ketaclinic.interop.fhir import Addresser, patient_bundle
from ketaclinic.interop.fhir.export import record_resources
from ketaclinic.records.accounts.models import User
from ketaclinic.records.context import Actor, Face
from ketaclinic.records.demo import load_demo
from ketaclinic.records.outcomes import exchange
from ketaclinic.records.patients.models import Patient
from ketaclinic.records.results import services as results

VALIDATOR = Path(__file__).resolve().parents[2] / "tools" / "fhir-validate"
EXPECTED_TYPES = {
    "Patient",
    "Condition",
    "Observation",
    "QuestionnaireResponse",
    "Questionnaire",
    "MedicationAdministration",
    "Appointment",
    "Encounter",
    "Procedure",
    "Bundle",
    "CapabilityStatement",
}


def _validate(resources: list[dict[str, Any]], tmp_path: Path) -> list[dict[str, Any]]:
    if not (VALIDATOR / "node_modules" / "@medplum" / "core").is_dir():
        pytest.fail("the FHIR validator is not installed: run scripts/ensure-node-tools")
    batch = tmp_path / "resources.json"
    batch.write_text(json.dumps(resources))
    ran = subprocess.run(
        ["node", str(VALIDATOR / "validate.mjs"), str(batch)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    report: list[dict[str, Any]] = json.loads(ran.stdout)
    return report


def test_every_exported_resource_type_has_no_validator_error(
    db: Any, settings: Any, tmp_path: Path
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the resources are the same on PostgreSQL: validated in the SQLite pass")
    settings.VAR_DIR = tmp_path
    passwords = {login.username: login.password for login in load_demo()}
    physician = Actor(
        user=User.objects.get(username="physician"), face=Face.SYSTEM, source_address="test"
    )
    first = Patient.objects.order_by("pk").first()
    assert first is not None
    today = timezone.localdate()
    results.record_result(
        physician,
        first.pk,
        {"test": "alt", "taken_on": today, "value": 90, "unit": "U/L", "reference_high": 56},
    )
    resources: list[dict[str, Any]] = []
    server = Addresser("https://clinic.test/fhir")
    for patient in Patient.objects.order_by("pk"):
        record = exchange.patient_record(physician, patient.pk)
        resources.extend(record_resources(record, server))
        if patient.pk == first.pk:
            resources.append(patient_bundle(record, timezone.now()))
    resources.append(Client().get("/fhir/metadata").json())
    token = Client().post(
        "/api/auth/token",
        {"username": "physician", "password": passwords["physician"]},
        content_type="application/json",
    )
    headers = {"Authorization": f"Bearer {token.json()['token']}"}
    resources.append(Client().get(f"/fhir/Patient/{first.pk}/$everything", headers=headers).json())

    kinds = Counter(resource["resourceType"] for resource in resources)
    assert set(kinds) >= EXPECTED_TYPES, set(EXPECTED_TYPES) - set(kinds)
    report = _validate(resources, tmp_path)
    assert len(report) == len(resources)
    errors = [entry for entry in report if entry["issues"]]
    assert errors == [], json.dumps(errors[:5], indent=1)
    # The validator does find errors: it is really looking.
    broken = {"resourceType": "Encounter", "status": "finished", "period": {"start": "today"}}
    [checked] = _validate([broken], tmp_path)
    assert checked["issues"]
