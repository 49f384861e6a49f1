"""The whole front door, as issue 15 tells it: a person with no account finds the nearest
location, asks for a consultation; the front desk registers them with a booked consultation
and sends the intake link; the new patient makes their account and sends their intake on a
phone; the desk sees it arrive. The desk works at a laptop (1366×900) or on a phone."""

from __future__ import annotations

from typing import Any

import pytest
from front_door_support import next_weekday_at
from playwright.sync_api import expect

from support import click_and_load, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "amber-walrus-kettle-91"


def _fits_the_phone(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1366, 900)])
def test_from_the_public_site_to_a_booked_consultation_and_a_sent_intake(
    page: Any, login: Any, two_locations: Any, users: dict[str, Any], width: int, height: int
) -> None:
    from ketaclinic.records.bookings.models import Appointment
    from ketaclinic.records.enquiries.models import ConsultationRequest, FrontDoorSettings
    from ketaclinic.records.intake.models import Intake

    FrontDoorSettings.objects.update_or_create(pk=1, defaults={"min_submit_seconds": 0})
    page.set_viewport_size({"width": 390, "height": 844})
    visit(page, "/")
    page.get_by_label("Your ZIP code or city").fill("85301")
    click_and_load(page, page.get_by_role("button", name="Find the nearest"))
    nearest = page.locator("article.location").first
    expect(nearest.get_by_role("heading")).to_have_text("Glendale, AZ")
    _fits_the_phone(page)
    click_and_load(page, nearest.get_by_role("link", name="Book a consultation"))
    page.get_by_label("First name").fill("Robin")
    page.get_by_label("Last name").fill("Journey")
    page.get_by_label("Date of birth").fill("1979-05-04")
    page.get_by_label("Phone", exact=True).fill("(602) 555-0142")
    page.get_by_label("I agree to be contacted").check()
    click_and_load(page, page.get_by_role("button", name="Send my request"))
    expect(page.get_by_role("heading", name="Thank you, Robin")).to_be_visible()

    page.set_viewport_size({"width": width, "height": height})
    login("front_desk-user")
    visit(page, "/requests/")
    click_and_load(page, page.get_by_role("link", name="Robin Journey"))
    start = next_weekday_at("America/Phoenix", 9)
    page.get_by_label("Start (the location's local time)").fill(start.strftime("%Y-%m-%dT%H:%M"))
    click_and_load(page, page.get_by_role("button", name="Register and book"))
    expect(page.get_by_text("Robin Journey is registered")).to_be_visible()
    patient = ConsultationRequest.objects.get().patient
    consultation = Appointment.objects.get(patient=patient)
    assert (consultation.appointment_type, consultation.starts_at) == ("consultation", start)

    visit(page, f"/patients/{patient.pk}/")
    click_and_load(page, page.get_by_role("button", name="Invite to online intake"))
    link = page.locator("#intake-link").inner_text()
    path = link[link.index("/intake/start/") :]

    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    visit(page, path)
    expect(page.get_by_role("heading", name="Welcome, Robin")).to_be_visible()
    page.get_by_label("Choose a user name").fill("robin.journey")
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("The same password again").fill(PASSWORD)
    click_and_load(page, page.get_by_role("button", name="Make my account"))
    expect(page.get_by_role("heading", name="Before your first visit")).to_be_visible()
    click_and_load(page, page.get_by_role("link", name="About you and your contacts"))
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Their name").fill("Sam Journey")
    page.get_by_label("Their phone").fill("555-0143")
    click_and_load(page, page.get_by_role("button", name="Save"))
    click_and_load(page, page.get_by_role("link", name="Medicines and allergies"))
    page.get_by_label("Medicines you take now").fill("Ibuprofen")
    click_and_load(page, page.get_by_role("button", name="Save"))
    click_and_load(page, page.get_by_role("link", name="Your medical history"))
    click_and_load(page, page.get_by_role("button", name="Save"))  # nothing to declare
    click_and_load(page, page.get_by_role("link", name="Average pain (NRS 0–10)"))
    page.get_by_role("radio", name="6", exact=True).check()
    click_and_load(page, page.get_by_role("button", name="Send my answers"))
    expect(page.get_by_text("1 of 10 done")).to_be_visible()
    _fits_the_phone(page)
    click_and_load(page, page.get_by_role("button", name="Send my answers"))
    expect(page.get_by_role("heading", name="Sent to your care team")).to_be_visible()
    assert Intake.objects.get(patient=patient).status == "submitted"

    page.context.clear_cookies()
    page.set_viewport_size({"width": width, "height": height})
    login("front_desk-user")
    visit(page, f"/patients/{patient.pk}/")
    expect(page.locator("#intake-panel")).to_contain_text("patient-entered")
