"""A person at the front desk logs in, searches a patient and opens the chart."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from support import click_and_load, settled, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_log_in_search_and_open_the_chart(login: Any, users: dict[str, Any], register: Any) -> None:
    register(mrn="BR-1", given_name="Frances", family_name="Findable")
    register(mrn="BR-2", given_name="Gale", family_name="Elsewhere")
    page = login("front_desk-user")
    click_and_load(
        page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients")
    )
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    page.get_by_label("Search patients").fill("findable")
    expect(page.get_by_role("link", name="Findable, Frances")).to_be_visible()
    expect(page.get_by_role("link", name="Elsewhere, Gale")).to_have_count(0)
    settled(page)
    click_and_load(page, page.get_by_role("link", name="Findable, Frances"))
    expect(page.get_by_role("heading", name="Findable, Frances")).to_be_visible()
    expect(page.get_by_text("MRN BR-1")).to_be_visible()


def test_wrong_password_shows_a_message(login: Any, users: dict[str, Any], page: Any) -> None:
    visit(page, "/login/")
    page.get_by_label("Username").fill("nurse-user")
    page.get_by_label("Password").fill("wrong")
    click_and_load(page, page.get_by_role("button", name="Log in"))
    expect(page.get_by_role("alert")).to_contain_text("Wrong username or password")
