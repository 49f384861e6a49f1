"""The front desk books a whole series through the web flow: plan → proposal → confirm."""

from __future__ import annotations

from typing import Any

import pytest
from bookings_support import MONDAY
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_front_desk_books_a_series(
    login: Any, users: dict[str, Any], location: Any, signed_plan: Any, patient: Any
) -> None:
    page = login("front_desk-user")
    page.goto(f"/patients/{patient.pk}/")
    page.get_by_role("link", name="Book a series").click()
    page.get_by_label("Not before").fill(MONDAY)
    page.get_by_role("button", name="Propose a series").click()
    expect(page.get_by_role("heading", name="Proposed series")).to_be_visible()
    page.get_by_role("button", name="Confirm and book 6 sessions").click()
    expect(page.get_by_text("Booked 6 sessions.")).to_be_visible()
    expect(page.get_by_text("6 of 6 sessions booked.")).to_be_visible()
