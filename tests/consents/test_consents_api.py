"""Informed consent through the API: sign, countersign with a witness, PDF, refusals."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from ketaclinic.protocols.consent import consent_document
from ketaclinic.records.consents.models import Consent
from support import SIGNED

PROTOCOL = "ketamine-iv-0.5mgkg-40min"


def _sign_body(protocol: str = PROTOCOL, **changes: Any) -> dict[str, Any]:
    return {
        "protocol": protocol,
        "document_version": consent_document(PROTOCOL).version,
        "signed_name": "Ada Example",
        "agree": True,
        **changes,
    }


def test_patient_signs_in_the_portal_and_the_clinician_countersigns(
    api_as: Any, users: dict[str, Any], patient: Any, patient_user: Any
) -> None:
    me = api_as(patient_user)
    document = me.get(f"/api/consent-documents/{PROTOCOL}").json()
    headings = [s["heading"] for s in document["sections"]]
    assert "The risks" in headings
    assert "Your right to stop" in headings
    risks = next(s["text"] for s in document["sections"] if s["heading"] == "The risks")
    for word in ("dissociation", "hallucinations", "sick", "blood pressure", "bladder", "misused"):
        assert word in risks
    signed = me.post(f"/api/patients/{patient.pk}/consents", _sign_body(via="tablet"))
    assert signed.status_code == 201, signed.content
    consent = signed.json()
    assert consent["signed_via"] == "portal"  # a patient account signs in the portal
    assert consent["state"] == "awaiting the clinician's countersignature"
    doctor = api_as(users["physician"])
    path = f"/api/consents/{consent['id']}/countersign"
    no_witness = doctor.post(path, SIGNED)
    assert no_witness.status_code == 422
    assert [e["field"] for e in no_witness.json()["errors"]] == ["witness_name"]
    done = doctor.post(path, {**SIGNED, "witness_name": "Wendy Witness"})
    assert done.status_code == 201, done.content
    assert done.json()["state"] == "current"
    assert doctor.post(path, {**SIGNED, "witness_name": "Again"}).status_code == 409
    pdf = me.get(f"/api/consents/{consent['id']}/pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Ada Example" in text
    assert "Wendy Witness" in text
    assert "off-label" in text


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"protocol": "ketamine-oral-daily"}, "protocol"),
        ({"agree": False}, "agree"),
        ({"signed_name": ""}, "signed_name"),
    ],
)
def test_bad_consents_are_refused_naming_the_field(
    api_as: Any, users: dict[str, Any], patient: Any, changes: dict[str, Any], field: str
) -> None:
    answer = api_as(users["nurse"]).post(
        f"/api/patients/{patient.pk}/consents", _sign_body(**changes)
    )
    assert answer.status_code == 422, answer.content
    assert field in [e["field"] for e in answer.json()["errors"]]
    assert not Consent.objects.exists()


def test_an_old_document_version_is_refused(
    api_as: Any, users: dict[str, Any], patient: Any
) -> None:
    answer = api_as(users["nurse"]).post(
        f"/api/patients/{patient.pk}/consents", _sign_body(document_version="2020.1/2020.1")
    )
    assert answer.status_code == 409
    assert not Consent.objects.exists()


def test_a_patient_cannot_sign_for_another(api_as: Any, patient_user: Any, register: Any) -> None:
    other = register(mrn="MRN-0002")
    answer = api_as(patient_user).post(f"/api/patients/{other.pk}/consents", _sign_body())
    assert answer.status_code == 403
