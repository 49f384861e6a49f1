"""A person with no account finds the nearest location by ZIP code, asks for a consultation
and sees the confirmation; the front desk turns the request into a registered patient with
a booked consultation. On a phone (390×844) and a laptop (1366×900)."""

from __future__ import annotations

from typing import Any

import pytest
from front_door_support import next_weekday_at
from playwright.sync_api import expect

from support import click_and_load, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1366, 900)])
def test_a_visitor_asks_and_the_front_desk_books(
    page: Any, login: Any, two_locations: Any, users: dict[str, Any], width: int, height: int
) -> None:
    from ketaclinic.records.bookings.models import Appointment
    from ketaclinic.records.enquiries.models import ConsultationRequest, FrontDoorSettings

    FrontDoorSettings.objects.update_or_create(pk=1, defaults={"min_submit_seconds": 0})
    page.set_viewport_size({"width": width, "height": height})

    visit(page, "/")
    expect(page.get_by_role("heading", name="Ketamine therapy for fibromyalgia")).to_be_visible()
    page.get_by_label("Your ZIP code or city").fill("85301")
    click_and_load(page, page.get_by_role("button", name="Find the nearest"))
    nearest = page.locator("article.location").first
    expect(nearest.get_by_role("heading")).to_have_text("Glendale, AZ")
    expect(nearest.locator(".distance")).to_contain_text("km away")
    expect(nearest).to_contain_text("7:00 am–4:30 pm")
    click_and_load(page, nearest.get_by_role("link", name="Book a consultation"))

    expect(page.get_by_label("Preferred location")).to_have_value("glendale")
    page.get_by_label("First name").fill("Robin")
    page.get_by_label("Last name").fill("Example")
    page.get_by_label("Date of birth").fill("1979-05-04")
    page.get_by_label("Phone", exact=True).fill("(602) 555-0142")
    page.get_by_label("Days and times that suit you").fill("Tuesday mornings")
    page.get_by_label("How did you hear of us?").select_option("My doctor")
    page.get_by_label("I agree to be contacted").check()
    click_and_load(page, page.get_by_role("button", name="Send my request"))
    expect(page.get_by_role("heading", name="Thank you, Robin")).to_be_visible()
    expect(page.get_by_text("about a consultation at Glendale, AZ")).to_be_visible()
    request = ConsultationRequest.objects.get()
    assert request.status == "new"

    login("front_desk-user")
    visit(page, "/requests/")
    click_and_load(page, page.get_by_role("link", name="Robin Example"))
    start = next_weekday_at("America/Phoenix", 9)
    page.get_by_label("Start (the location's local time)").fill(start.strftime("%Y-%m-%dT%H:%M"))
    click_and_load(page, page.get_by_role("button", name="Register and book"))
    expect(page.get_by_text("Robin Example is registered")).to_be_visible()
    request.refresh_from_db()
    assert request.status == "booked"
    visit_ = Appointment.objects.get(patient=request.patient)
    assert (visit_.appointment_type, visit_.chair_id, visit_.starts_at) == (
        "consultation",
        None,
        start,
    )
    assert visit_.room is not None
    assert visit_.physician == users["physician"]
