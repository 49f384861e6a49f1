"""The front desk books a whole series through the web flow: plan → proposal → confirm."""

from __future__ import annotations

import re
from typing import Any

import pytest
from bookings_support import MONDAY, book_proposed_series
from playwright.sync_api import expect

from support import click_and_load, settled, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_front_desk_books_a_series(
    login: Any, users: dict[str, Any], location: Any, signed_plan: Any, patient: Any
) -> None:
    page = login("front_desk-user")
    visit(page, f"/patients/{patient.pk}/")
    click_and_load(page, page.get_by_role("link", name="Book a series"))
    page.get_by_label("Not before").fill(MONDAY)
    click_and_load(page, page.get_by_role("button", name="Propose a series"))
    expect(page.get_by_role("heading", name="Proposed series")).to_be_visible()
    click_and_load(page, page.get_by_role("button", name="Confirm and book 6 sessions"))
    expect(page.get_by_text("Booked 6 sessions.")).to_be_visible()
    expect(page.get_by_text("6 of 6 sessions booked.")).to_be_visible()


def test_front_desk_moves_a_session_with_the_free_time_picker(
    login: Any,
    staff: dict[str, Any],
    location: Any,
    signed_plan: Any,
    patient: Any,
) -> None:

    from ketaclinic.records.bookings.models import Appointment

    series = book_proposed_series(staff["front_desk"], patient, signed_plan, location)
    sixth = series.appointments.get(session=6)
    page = login("front_desk-user")
    visit(page, f"/series/{series.pk}/")
    row = page.locator("tr", has_text="6/6")
    row.get_by_role("link", name="Free times").click()  # htmx brings the picker into the row
    settled(page)
    picker = row.locator(".free-slots")
    expect(picker.get_by_text("the series' spacing allows")).to_be_visible()
    choice = picker.get_by_role("button", name=re.compile(r"^Move to ")).last
    label = choice.get_attribute("aria-label") or ""
    click_and_load(page, choice)
    expect(page.get_by_text("Moved to")).to_be_visible()
    moved = Appointment.objects.get(replaces=sixth)
    when = moved.starts_at.astimezone(location.zone)
    assert label.startswith(f"Move to {when:%a %Y-%m-%d %H:%M}")
    expect(page.get_by_text("6 of 6 sessions booked.")).to_be_visible()
