"""Each role's home page and the two boards in Chromium, at a desktop (1366×900) and a tablet
(1024×768) size: every worklist is there with its count, its items are links to where the work
is done, nothing scrolls sideways; the nurse checks a booked patient in from the chairs board
and the day board shows the visit as arrived, with the line at the current time."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from ketaclinic.records.alerts import services as alerts
from support import click_and_load, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOME_LISTS = {
    "physician-user": ("Open alerts", "Plans to sign", "Patient-entered intake to review"),
    "nurse-user": ("Today's chairs", "Preparations to double-check", "Ledger draws to account for"),
    "front_desk-user": ("Today's arrivals", "Consultation requests", "Balances due"),
    "manager-user": ("Ledger discrepancies", "Locked accounts", "Emergency-access uses to review"),
}


def fits(page: Any) -> None:
    """The page does not scroll sideways."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def log_out(page: Any) -> None:
    click_and_load(page, page.get_by_role("button", name="Log out"))


@pytest.mark.parametrize("size", [(1366, 900), (1024, 768)])
def test_each_home_page_and_the_boards(
    page: Any,
    login: Any,
    users: dict[str, Any],
    actor_for: Any,
    order: Any,
    patient: Any,
    location: Any,
    book_today: Any,
    size: tuple[int, int],
) -> None:
    page.set_viewport_size({"width": size[0], "height": size[1]})
    alerts.raise_alerts(
        actor_for(users["nurse"]), patient, patient, [alerts.NewAlert("t", "Call her", "urgent")]
    )
    visit_today = book_today(patient, chair=1)
    for username, titles in HOME_LISTS.items():
        if username == "front_desk-user":
            continue  # below, after the check-in
        login(username)
        expect(page).to_have_url(f"{page.url.split('/today/')[0]}/today/")
        expect(page.get_by_role("heading", name="Today", exact=True)).to_be_visible()
        for title in titles:
            expect(page.get_by_role("heading", name=title)).to_be_visible()
        fits(page)
        log_out(page)

    login("physician-user")
    alerts_list = page.locator(
        "section.worklist", has=page.get_by_role("heading", name="Open alerts")
    )
    expect(alerts_list.get_by_role("heading")).to_have_text("Open alerts (1)")
    expect(page.get_by_role("link", name="Alerts, 1 open")).to_be_visible()
    click_and_load(page, alerts_list.get_by_role("link", name="Example, Ada"))
    expect(page).to_have_url(f"{page.url.split('/alerts/')[0]}/alerts/")
    log_out(page)

    login("nurse-user")
    chairs = page.locator(
        "section.worklist", has=page.get_by_role("heading", name="Today's chairs")
    )
    expect(chairs).to_contain_text("Chair 2 · Booked")
    click_and_load(page, chairs.get_by_role("link", name="Example, Ada"))
    expected = page.locator(f"#expected-{visit_today.pk}")
    expect(expected).to_contain_text("Chair 2")
    fits(page)
    click_and_load(page, expected.get_by_role("button", name="Check in Ada"))
    expect(page).to_have_url(
        f"{page.url.split('/sessions/')[0]}/sessions/{order.sessions.get().pk}/"
    )
    visit(page, f"/board/?location={location.pk}")
    board = page.get_by_role("region", name="Chairs by time")
    expect(board.get_by_role("link", name="Chair 2: Example, A.")).to_contain_text("Arrived")
    expect(page.locator("#board-now")).to_contain_text("Now ")
    fits(page)
    log_out(page)

    login("front_desk-user")
    for title in HOME_LISTS["front_desk-user"]:
        expect(page.get_by_role("heading", name=title)).to_be_visible()
    arrivals = page.locator(
        "section.worklist", has=page.get_by_role("heading", name="Today's arrivals")
    )
    expect(arrivals).to_contain_text("Nothing to do")  # Ada has arrived
    fits(page)
