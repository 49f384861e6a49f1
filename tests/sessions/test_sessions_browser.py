"""A nurse runs a whole session in the browser, from check-in to discharge and signature,
acknowledging the alert a high blood pressure raised; the live board follows by itself.

Times of the earlier steps are entered as late entries (the patient cannot wait an hour in
a test): check-in 115 minutes ago, the infusion from 10 to 50 minutes after it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ketaclinic.records.alerts.models import Alert
from ketaclinic.records.sessions import reads
from ketaclinic.records.sessions.models import Session, Signature
from support import click_and_load, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def step(page: Any, label: str, at: str = "", **fields: str) -> None:
    """Press a lifecycle button, with a late-entry time and its other fields if given."""
    form = page.locator("form.step-form", has=page.get_by_role("button", name=label))
    if at:
        form.get_by_label("At (if earlier)").fill(at)
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    click_and_load(page, form.get_by_role("button", name=label))


def vitals(page: Any, at: str = "", **values: int) -> None:
    form = page.locator("form.vitals-form")
    readings = {
        "Systolic": 122,
        "Diastolic": 78,
        "Heart rate": 72,
        "SpO2": 98,
        "Resp. rate": 14,
    }
    for label, value in {**readings, **values}.items():
        form.get_by_label(label).fill(str(value))
    if at:
        form.get_by_label("Taken at (if earlier)").fill(at)
    click_and_load(page, form.get_by_role("button", name="Save vitals"))


def score(page: Any, title: str, choices: dict[str, str]) -> None:
    block = page.locator("details.score-form", has_text=title)
    block.locator("summary").click()
    for question, answer in choices.items():
        question_set = block.locator("fieldset.question", has_text=question)
        question_set.get_by_role("radio", name=answer, exact=True).check()
    click_and_load(page, block.get_by_role("button", name=f"Save {title}"))


def confirm(page: Any, label: str) -> None:
    click_and_load(page, page.get_by_role("button", name=f"Confirm: {label}"))


def test_a_full_session_from_check_in_to_discharge(
    login: Any,
    users: dict[str, Any],
    order: Any,
    location: Any,
    patient: Any,
    page: Any,
    actor_for: Any,
) -> None:
    start = timezone.localtime(timezone.now(), location.zone) - timedelta(minutes=115)

    def clock(minutes: int) -> str:
        return (start + timedelta(minutes=minutes)).strftime("%H:%M")

    board = page.context.new_page()
    login("nurse-user")
    visit(board, f"/chairs/{location.pk}/")
    expect(board.get_by_text("No patient in a chair.")).to_be_visible()

    visit(page, f"/patients/{patient.pk}/")
    panel = page.locator("#sessions-panel")
    panel.get_by_label("Arrived at (if earlier)").fill(clock(0))
    click_and_load(page, panel.get_by_role("button", name="Check in for today's infusion"))
    expect(page.locator("#session-state")).to_have_text("Checked in")

    page.locator("#weight").get_by_label("Weight today (kg)").fill("70")
    click_and_load(page, page.get_by_role("button", name="Save weight"))
    vitals(page, at=clock(2))
    score(page, "Pain right now (NRS 0–10)", {"Your pain right now": "6"})
    score(page, "Average pain (NRS 0–10)", {"Your average pain over the past 24 hours": "5"})
    for label in (
        "Not pregnant (asked or tested)",
        "Fasting as instructed",
        "A responsible adult will take the patient home",
    ):
        confirm(page, label)
    step(page, "Pre-infusion checks done", clock(5))
    step(page, "Dose verified", clock(7))
    step(page, "Start infusion", clock(10))
    expect(page.locator("#session-state")).to_have_text("Infusing")
    expect(page.locator(".countdown")).to_contain_text("overdue by")

    vitals(page, at=clock(25), Systolic=190)
    alert = page.locator("#alerts li.alert", has_text="above 180 mm Hg: 190")
    expect(alert).to_contain_text("Pause the infusion")
    expect(board.locator("tr", has_text="Example, Ada")).to_contain_text(
        "1 (1 urgent)", timeout=15_000
    )
    alert.locator("input[name=note]").fill("Rechecked after 5 min: 150/85; physician informed")
    click_and_load(page, alert.get_by_role("button", name="Acknowledge"))
    expect(page.locator("#alerts")).to_contain_text("Acknowledged by nurse-user")

    step(page, "End infusion", clock(50), volume_infused_ml="35")
    step(page, "Start recovery", clock(51))
    expect(page.locator("#transition")).to_contain_text("score the Modified Aldrete")
    score(
        page,
        "Modified Aldrete score",
        {
            "Activity": "Moves 4 limbs",
            "Respiration": "Breathes deeply and coughs",
            "Circulation": "BP within ±20 % of baseline",
            "Consciousness": "Fully awake",
            "Oxygen saturation": "SpO2 >92 % on room air",
        },
    )
    score(page, "Pain right now (NRS 0–10)", {"Your pain right now": "4"})
    confirm(page, "The responsible adult is here to take the patient home")
    confirm(page, "Told: no driving or hazardous activity for 24 h; whom to call")
    step(page, "Discharge")
    expect(page.locator("#session-state")).to_have_text("Discharged")

    click_and_load(page, page.get_by_role("button", name="Sign the session record"))
    expect(page.locator("#sign")).to_contain_text("Signed by nurse-user")
    expect(page.locator("form.vitals-form")).to_have_count(0)

    session = Session.objects.get()
    assert Signature.objects.filter(session=session).exists()
    assert Alert.objects.get().acknowledgement.note.startswith("Rechecked")
    sheet = reads.get_flowsheet(actor_for(users["nurse"]), session.pk)
    assert sheet.dose_given_mg == 35
    assert [t.to_state for t in sheet.transitions][-1] == "discharged"
