"""The patient reads and signs the consent in the portal on a phone (390 x 844)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from ketaclinic.records.consents.models import Consent
from ketaclinic.records.plans import screening
from ketaclinic.records.plans import services as plans

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_patient_signs_the_consent_on_a_phone(
    login: Any, users: dict[str, Any], patient: Any, patient_user: Any, actor_for: Any
) -> None:
    physician = actor_for(users["physician"])
    found = screening.run_screening(physician, patient.pk, {"pregnant": False})
    screening.decide(physician, found.pk, {"decision": "eligible", "note": "ok"})
    plans.draft_plan(physician, patient.pk, {"protocol": "ketamine-iv-0.5mgkg-40min"})

    page = login("patient-user")
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("link", name="My consent").first.click()
    expect(page.get_by_role("heading", name="The risks")).to_be_visible()
    expect(page.get_by_role("heading", name="Your right to stop")).to_be_visible()
    # Nothing runs off the side of a phone's screen.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390

    sign = page.get_by_role("button", name="Sign the consent")
    page.get_by_label("Your full name").fill("Ada Example")
    sign.click()  # the box is not ticked: the browser refuses to send
    assert not Consent.objects.exists()
    page.get_by_role("checkbox").check()
    sign.click()
    page.wait_for_load_state()
    expect(page.get_by_text("Awaiting the clinician's countersignature")).to_be_visible()
    consent = Consent.objects.get()
    assert (consent.signed_name, consent.signed_via) == ("Ada Example", "portal")
