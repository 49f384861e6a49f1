"""Idle log-off in the browser: a warning a minute before, "Stay logged in", and what was
typed put back after logging in again (the page's clock is Playwright's, not a sleep)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from support import PASSWORD, click_and_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_idle_warning_then_log_off_keeps_what_was_typed(
    page: Any, login: Any, users: dict[str, Any]
) -> None:
    page.clock.install()
    login("front_desk-user")
    page.goto("/patients/new/")
    page.get_by_label("Given name").fill("Harriet")

    page.clock.fast_forward("14:05")  # idle time is 15 minutes; the warning comes at 14
    dialog = page.get_by_role("dialog", name="You will be logged off in a minute")
    expect(dialog).to_be_visible()
    with page.expect_response("**/session/keep-alive") as renewal:
        dialog.get_by_role("button", name="Stay logged in").click()
    assert renewal.value.status == 204
    expect(dialog).to_have_count(0)

    with page.expect_navigation():
        page.clock.fast_forward("15:30")
    expect(page.get_by_role("status")).to_contain_text("nobody used the")
    page.get_by_label("Username").fill("front_desk-user")
    page.get_by_label("Password").fill(PASSWORD)
    click_and_load(page, page.get_by_role("button", name="Log in"))
    expect(page.get_by_label("Given name")).to_have_value("Harriet")
    expect(page.get_by_role("status")).to_contain_text("has been put back")
