"""A physician builds a plan with the live dose and the PK preview, and signs it with a reason
for the soft limit it exceeds."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from ketaclinic.records.plans.models import LimitOverride, TreatmentPlan
from support import PASSWORD, click_and_load, settled, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_build_and_sign_a_plan_with_the_pk_preview(login: Any, screened: Any) -> None:
    page = login("physician-user")
    visit(page, f"/patients/{screened.pk}/plans/new/")
    dose_box = page.locator("#dose-box")
    expect(dose_box).to_contain_text("35 mg")
    expect(dose_box).to_contain_text("52.5 mL/h")
    expect(page.get_by_text("comes from depression research")).to_be_visible()
    preview = page.locator(".pk-box")
    expect(preview.get_by_text("Cmax")).to_be_visible()

    # The dose box asks again 400 ms after typing stops: expect its answer, then let it settle.
    page.get_by_label("Dose (mg/kg)").fill("0.6")
    expect(dose_box).to_contain_text("42 mg")
    expect(dose_box).to_contain_text("soft limit")
    expect(preview.get_by_text("Cmax")).to_be_visible()
    settled(page)
    page.get_by_label("Dose (mg/kg)").fill("1.2")
    expect(dose_box).to_contain_text("HARD LIMIT")
    settled(page)
    page.get_by_label("Dose (mg/kg)").fill("0.6")
    expect(dose_box).to_contain_text("42 mg")
    settled(page)

    click_and_load(page, page.get_by_role("button", name="Save the draft"))
    expect(page.get_by_role("heading", name="Plan")).to_contain_text("Example, Ada")
    expect(page.get_by_text("Draft", exact=True)).to_be_visible()
    expect(page.locator(".pk-box").get_by_text("Cmax")).to_be_visible()
    click_and_load(page, page.get_by_role("button", name="Sign the plan"))
    expect(page.get_by_role("alert")).to_contain_text("Dose (mg/kg)")
    page.get_by_label("Reason for overriding dose_mg_per_kg").fill("0.5 tolerated, no relief")
    # Signing is an electronic signature: a wrong password signs nothing.
    page.get_by_label("Your password").fill("not-my-password")
    click_and_load(page, page.get_by_role("button", name="Sign the plan"))
    expect(page.get_by_role("alert")).to_contain_text("does not match your account")
    expect(page.get_by_text("Draft", exact=True)).to_be_visible()
    page.get_by_label("Reason for overriding dose_mg_per_kg").fill("0.5 tolerated, no relief")
    page.get_by_label("Your password").fill(PASSWORD)
    click_and_load(page, page.get_by_role("button", name="Sign the plan"))
    expect(page.get_by_text("Plan signed.")).to_be_visible()
    expect(page.get_by_text("Signed (authored) by")).to_be_visible()
    expect(page.get_by_text("0.5 tolerated, no relief")).to_be_visible()

    plan = TreatmentPlan.objects.with_status().get()
    assert (plan.status, plan.dose_mg) == ("current", 42)
    assert LimitOverride.objects.get().reason == "0.5 tolerated, no relief"
