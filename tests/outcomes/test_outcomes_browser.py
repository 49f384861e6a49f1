"""A physician reads "is it working?" from the chart and records a booster decision; a manager
filters the cohort dashboard down to nobody and gets an empty, labelled result."""

from __future__ import annotations

import re
from typing import Any

import pytest
from outcomes_support import infusion
from playwright.sync_api import expect

from support import click_and_load, settled, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_physician_reads_the_outcomes_and_accepts_a_booster(
    login: Any, scored: Any, infusions_given: list, sign_plan: Any
) -> None:
    sign_plan(scored)
    infusions_given += [infusion(scored, 60), infusion(scored, 58)]
    page = login("physician-user")
    visit(page, f"/patients/{scored.pk}/")
    panel = page.get_by_role("region", name="Is it working?")
    expect(panel).to_contain_text("due — a physician decides")
    click_and_load(page, panel.get_by_role("link", name="Outcomes, plots and booster"))
    expect(page.get_by_role("img", name="Scores over time")).to_be_visible()
    expect(page.get_by_role("region", name="Pain", exact=True)).to_contain_text("Not a responder")
    immediate = page.get_by_role("region", name="Pain right now, before → after each infusion")
    expect(immediate).to_contain_text("Mean change -3.5 points over 2 infusions")
    booster = page.get_by_role("region", name="Booster")
    expect(booster).to_contain_text("A booster is due")
    booster.get_by_label("Accepted").check()
    booster.get_by_label("Note (required)").fill("Book one next week")
    click_and_load(page, booster.get_by_role("button", name="Record decision"))
    expect(page.get_by_role("region", name="Booster")).to_contain_text("Accepted by physician-user")
    expect(page.get_by_role("button", name="Record decision")).to_have_count(0)


def test_manager_filters_the_cohort_to_nobody(login: Any, scored: Any) -> None:
    page = login("manager-user")
    click_and_load(page, page.get_by_role("link", name="Outcomes"))
    expect(page.get_by_role("heading", name="All patients: 1 patient")).to_be_visible()
    page.get_by_label("Protocol").select_option("ketamine-im-0.5mgkg")
    page.get_by_role("button", name="Show").click()  # the filters ask through htmx
    settled(page)
    expect(page.get_by_text("No patient matches these filters")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/outcomes/\?protocol=ketamine-im-0\.5mgkg"))
