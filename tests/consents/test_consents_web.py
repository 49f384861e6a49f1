"""Consent and results on the web: the portal page, the clinic tablet, countersigning, PDF,
and entering results on the chart."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from ketaclinic.protocols.consent import consent_document
from ketaclinic.records.consents.models import Consent
from ketaclinic.records.plans import screening
from ketaclinic.records.plans import services as plans
from ketaclinic.records.results.models import TestResult
from support import SIGNED, sign_consent

PROTOCOL = "ketamine-iv-0.5mgkg-40min"


@pytest.fixture
def planned(patient: Any, users: dict[str, Any], actor_for: Any) -> Any:
    """The patient screened and with a draft plan on the seed regimen."""
    physician = actor_for(users["physician"])
    found = screening.run_screening(physician, patient.pk, {"pregnant": False})
    screening.decide(physician, found.pk, {"decision": "eligible", "note": "ok"})
    plans.draft_plan(physician, patient.pk, {"protocol": PROTOCOL})
    return patient


def _sign_form(**changes: Any) -> dict[str, Any]:
    return {
        "protocol": PROTOCOL,
        "document_version": consent_document(PROTOCOL).version,
        "signed_name": "Ada Example",
        "agree": "yes",
        **changes,
    }


def test_the_patient_reads_and_signs_in_the_portal(
    web_as: Any, planned: Any, patient_user: Any
) -> None:
    me = web_as(patient_user)
    page = me.get("/my/consent/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "off-label" in text
    assert "Your right to stop" in text
    assert "Sign the consent" in text
    refused = me.post("/my/consent/", _sign_form(agree=""))
    assert refused.status_code == 422
    assert not Consent.objects.exists()
    done = me.post("/my/consent/", _sign_form())
    assert done.status_code == 302
    consent = Consent.objects.get()
    assert (consent.signed_via, consent.patient_id) == ("portal", planned.pk)
    again = me.get("/my/consent/").content.decode()
    assert "Awaiting the clinician&#x27;s countersignature" in again


def test_tablet_signature_countersignature_and_pdf(
    web_as: Any, planned: Any, users: dict[str, Any]
) -> None:
    nurse = web_as(users["nurse"])
    assert nurse.post(f"/patients/{planned.pk}/consents/", _sign_form()).status_code == 302
    consent = Consent.objects.get()
    assert consent.signed_via == "tablet"
    path = f"/patients/{planned.pk}/consents/{consent.pk}/countersign/"
    assert nurse.post(path, SIGNED).status_code == 422
    assert nurse.post(path, {**SIGNED, "witness_name": "Wendy Witness"}).status_code == 302
    page = nurse.get(f"/patients/{planned.pk}/consents/").content.decode()
    assert "Current" in page
    pdf = nurse.get(f"/consents/{consent.pk}.pdf")
    assert pdf["Content-Type"] == "application/pdf"


def test_a_protocol_without_a_document_is_refused(
    web_as: Any, planned: Any, users: dict[str, Any]
) -> None:
    answer = web_as(users["nurse"]).post(
        f"/patients/{planned.pk}/consents/", _sign_form(protocol="no-such-protocol")
    )
    assert answer.status_code == 422
    assert not Consent.objects.exists()


def test_the_chart_shows_consent_and_results_panels(
    web_as: Any, planned: Any, users: dict[str, Any], actor_for: Any
) -> None:
    sign_consent(actor_for(users["physician"]), planned.pk, PROTOCOL)
    chart = web_as(users["physician"]).get(f"/patients/{planned.pk}/").content.decode()
    assert "Informed consent" in chart
    assert "Test results" in chart


def test_enter_a_result_on_the_web(web_as: Any, patient: Any, users: dict[str, Any]) -> None:
    nurse = web_as(users["nurse"])
    path = f"/patients/{patient.pk}/results/"
    today = timezone.localdate().isoformat()
    bad = nurse.post(path, {"test": "alt", "taken_on": today, "value": "40", "unit": "mg"})
    assert bad.status_code == 422
    assert "does not fit" in bad.content.decode()
    assert not TestResult.objects.exists()
    good = nurse.post(
        path,
        {"test": "alt", "taken_on": today, "value": "90", "unit": "U/L", "reference_high": "56"},
    )
    assert good.status_code == 302
    page = nurse.get(path).content.decode()
    assert "Abnormal" in page
    assert "1742-6" in page


def test_front_desk_sees_no_results(web_as: Any, patient: Any, users: dict[str, Any]) -> None:
    assert web_as(users["front_desk"]).get(f"/patients/{patient.pk}/results/").status_code == 403
