"""A nurse reads a demo-like session on a clinic tablet (1024×768): the flowsheet grid fits its
card without scrolling the page sideways, a 190/115 reading is flagged high in colour, the
trend chart is at least 600 px wide with text of at least 12 px, the print view holds the
record; then, on a phone (390×844), cancelling the session asks to confirm with a reason."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from sessions_support import LATE

from ketaclinic.records.sessions import flowsheet
from ketaclinic.sessions import State
from support import click_and_load, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HIGH = {
    "sbp_mm_hg": 190,
    "dbp_mm_hg": 115,
    "heart_rate_per_min": 88,
    "spo2_percent": 97,
    "resp_rate_per_min": 16,
}
SIDEWAYS = "document.documentElement.scrollWidth > document.documentElement.clientWidth"


def test_the_flowsheet_on_a_tablet_and_a_confirmed_cancel_on_a_phone(
    login: Any, page: Any, nurse: Any, session: Any, walked: Any
) -> None:
    walked(State.DOSE_VERIFIED, minutes_ago=30)
    at = timezone.now() - timedelta(minutes=10)
    flowsheet.record_vitals(nurse, session.pk, {**HIGH, **LATE, "at": at})

    page.set_viewport_size({"width": 1024, "height": 768})
    login("nurse-user")
    visit(page, f"/sessions/{session.pk}/")
    expect(page.locator("#alert-banner")).to_contain_text("open alert")
    grid = page.locator("table.flowsheet-grid")
    expect(grid).to_be_visible()
    high = grid.locator(".flag-high", has_text="190 H")
    expect(high).to_be_visible()
    expect(grid.locator(".flag-high", has_text="115 H")).to_be_visible()
    assert high.evaluate("e => getComputedStyle(e).color") == "rgb(180, 35, 24)"
    assert not page.evaluate(SIDEWAYS), "the page scrolls sideways at 1024 px"
    card = page.locator("section#vitals")
    assert card.evaluate("e => e.scrollWidth <= e.clientWidth"), "the grid overflows its card"
    region = page.locator(".flowsheet-scroll", has=grid)
    expect(region).to_have_attribute("tabindex", "0")
    expect(region).to_have_attribute("role", "region")

    chart = page.locator("svg.vitals-chart")
    box = chart.bounding_box()
    assert box is not None
    assert box["width"] >= 600
    smallest_px = chart.evaluate(
        """svg => {
          const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
          const sizes = [...svg.querySelectorAll('text')].map(t => +t.getAttribute('font-size'));
          return Math.min(...sizes) * scale;
        }"""
    )
    assert smallest_px >= 12
    expect(chart.locator("g.limit")).not_to_have_count(0)
    expect(page.locator("ol.timeline")).to_contain_text("Pre-infusion checks done by Nurse")
    # The start is stopped by the urgent reading: said in one sentence, the evidence behind "Why?".
    expect(page.locator("#next-step").get_by_role("link", name="Why?")).to_be_visible()
    expect(page.locator("#next-step")).not_to_contain_text("clinical.md")

    click_and_load(page, page.get_by_role("link", name="Print view"))
    expect(page.get_by_role("heading", name="Session record")).to_be_visible()
    expect(page.locator("table", has_text="190 H").first).to_be_visible()
    visit(page, f"/sessions/{session.pk}/")

    page.set_viewport_size({"width": 390, "height": 844})
    stop = page.locator("#stop")
    expect(stop.get_by_role("button", name="Pre-infusion checks done")).to_have_count(0)
    stop.get_by_text("Cancel session…").click()
    panel = stop.get_by_role("form", name="Confirm: Cancel session")
    expect(panel).to_be_visible()
    right = panel.bounding_box()
    assert right is not None
    assert right["x"] + right["width"] <= 390
    # Without the reason and the tick the browser sends nothing.
    panel.get_by_role("button", name="Confirm: cancel session").click()
    expect(page.locator("#session-state")).to_have_text("Dose verified")
    panel.get_by_label("Reason (required)").fill("Patient feels unwell today")
    panel.get_by_label("Yes, cancel session").check()
    click_and_load(page, panel.get_by_role("button", name="Confirm: cancel session"))
    expect(page.locator("#session-state")).to_have_text("Cancelled")
    expect(page.locator(".messages")).to_contain_text("Session cancelled.")
    expect(page.locator("ol.timeline")).to_contain_text("Session cancelled by Nurse nurse-user at")
