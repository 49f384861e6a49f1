"""On a tablet: a nurse draws for a patient, records what was given and wastes the rest with a
witness who types their own password."""

from __future__ import annotations

from typing import Any

import pytest
from ledger_support import PASSWORD, WITNESS_USERNAME
from playwright.sync_api import expect

from support import click_and_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_draw_give_and_waste_with_a_witness(
    login: Any, nurse: Any, storage: Any, stocked: Any, patient: Any, location: Any
) -> None:
    page = login("nurse-user")
    page.set_viewport_size({"width": 820, "height": 1180})
    click_and_load(page, page.get_by_role("link", name="Ledger", exact=True))
    click_and_load(page, page.get_by_role("link", name="Test Clinic"))
    expect(page.get_by_role("heading", name="Ledger · Test Clinic")).to_be_visible()
    click_and_load(page, page.get_by_role("link", name="Draw", exact=True))
    page.get_by_label("Patient MRN").fill(patient.mrn)
    page.get_by_label("Lot").select_option(f"{storage.pk}:{stocked.pk}")
    page.get_by_label("Volume drawn (mL)").fill("2")
    click_and_load(page, page.get_by_role("button", name="Record draw"))
    expect(page.get_by_text("2 mL (100 mg)").first).to_be_visible()

    given = page.get_by_role("form", name="Administered")
    given.get_by_label("or dose (mg)").fill("35")
    click_and_load(page, given.get_by_role("button", name="Record administered"))
    expect(page.get_by_text("Recorded 0.7 mL as administered.")).to_be_visible()

    wasted = page.get_by_role("form", name="Waste")
    wasted.get_by_label("Volume (mL)").fill("1.3")
    wasted.get_by_label("Witness username").fill("nurse-user")
    wasted.get_by_label("Witness password").fill(PASSWORD)
    click_and_load(page, wasted.get_by_role("button", name="Record witnessed waste"))
    expect(page.get_by_text("the witness must be a second, different person")).to_be_visible()

    wasted = page.get_by_role("form", name="Waste")
    wasted.get_by_label("Volume (mL)").fill("1.3")
    wasted.get_by_label("Witness username").fill(WITNESS_USERNAME)
    wasted.get_by_label("Witness password").fill(PASSWORD)
    click_and_load(page, wasted.get_by_role("button", name="Record witnessed waste"))
    expect(page.get_by_text("Recorded 1.3 mL wasted, witnessed.")).to_be_visible()
    expect(page.locator(".remaining")).to_have_text("0 mL (0 mg)")
