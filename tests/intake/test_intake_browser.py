"""The new patient opens the invitation link on a phone (390 x 844), makes their account and
fills in their intake; then a nurse at a desk (1366 x 900) reviews and confirms it."""

from __future__ import annotations

from typing import Any

import pytest
from intake_support import STRONG
from playwright.sync_api import expect

from ketaclinic.records.intake import invitations
from ketaclinic.records.intake.models import Intake
from support import click_and_load, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits_the_phone(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_new_patient_completes_the_intake_on_a_phone_and_a_nurse_confirms_it(
    page: Any, login: Any, staff: dict[str, Any], patient: Any
) -> None:
    made = invitations.invite(staff["front_desk"], patient.pk, {})
    page.set_viewport_size({"width": 390, "height": 844})
    visit(page, f"/intake/start/{made.token}/")
    expect(page.get_by_role("heading", name="Welcome, Ada")).to_be_visible()
    _fits_the_phone(page)
    page.get_by_label("Choose a user name").fill("ada.example")
    page.get_by_label("Choose a password").fill(STRONG)
    page.get_by_label("The same password again").fill(STRONG)
    click_and_load(page, page.get_by_role("button", name="Make my account"))
    expect(page.get_by_role("heading", name="Before your first visit")).to_be_visible()
    _fits_the_phone(page)

    click_and_load(page, page.get_by_role("link", name="About you and your contacts"))
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Your phone").fill("555-0142")
    page.get_by_label("Their name").fill("Sam Example")
    page.get_by_label("Their phone").fill("555-0143")
    _fits_the_phone(page)
    click_and_load(page, page.get_by_role("button", name="Save"))

    click_and_load(page, page.get_by_role("link", name="Medicines and allergies"))
    page.get_by_label("Medicines you take now").fill("Duloxetin 60 mg\nIbuprofen")
    page.get_by_label("Allergies").fill("Penicillin (rash)")
    click_and_load(page, page.get_by_role("button", name="Save"))
    # A misspelt medicine: the form comes back with the known name to check.
    expect(page.get_by_text("did you mean")).to_contain_text("duloxetine", ignore_case=True)
    _fits_the_phone(page)
    click_and_load(page, page.get_by_role("link", name="Before your first visit"))

    click_and_load(page, page.get_by_role("link", name="Your medical history"))
    page.get_by_label("Hypertension").first.check()
    click_and_load(page, page.get_by_role("button", name="Save"))

    click_and_load(page, page.get_by_role("link", name="Average pain (NRS 0–10)"))
    page.get_by_role("radio", name="6", exact=True).check()
    click_and_load(page, page.get_by_role("button", name="Send my answers"))
    expect(page.get_by_role("heading", name="Before your first visit")).to_be_visible()
    expect(page.get_by_text("1 of 10 done")).to_be_visible()
    _fits_the_phone(page)
    click_and_load(page, page.get_by_role("button", name="Send my answers"))
    expect(page.get_by_role("heading", name="Sent to your care team")).to_be_visible()
    assert Intake.objects.get().status == "submitted"

    page.context.clear_cookies()
    page.set_viewport_size({"width": 1366, "height": 900})
    login("nurse-user")
    click_and_load(page, page.get_by_role("link", name="Intake", exact=True))
    click_and_load(page, page.get_by_role("link", name="Review"))
    expect(page.get_by_role("heading", name="Online intake: Ada Example")).to_be_visible()
    expect(page.get_by_text("Duloxetin 60 mg")).to_be_visible()
    page.get_by_label("Note (optional)").fill("Checked with the patient.")
    click_and_load(page, page.get_by_role("button", name="Confirm intake"))
    expect(page.get_by_text("Intake confirmed into the record.")).to_be_visible()
    patient.refresh_from_db()
    assert patient.phone == "555-0142"
    assert [m["entered_by"] for m in patient.medications] == ["patient", "patient"]
    click_and_load(page, page.get_by_role("link", name="Chart"))
    expect(page.get_by_text("patient-entered").first).to_be_visible()
