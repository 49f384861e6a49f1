"""A nurse runs a whole session in the browser, from check-in to discharge and signature,
acknowledging the alerts a high blood pressure raised; the live board follows by itself. The
discharge is stopped by a gate (dissociation not scored), the page says so with a link to fix
it, and a physician records an override from their own browser before the nurse discharges.

Times of the earlier steps are entered as late entries (the patient cannot wait an hour in
a test), each with its reason: check-in 115 minutes ago, the infusion from 10 to 50 minutes
after it, vitals every 15 minutes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ketaclinic.records.alerts.models import Alert
from ketaclinic.records.sessions import reads
from ketaclinic.records.sessions.models import Session, Signature
from support import PASSWORD, click_and_load, visit

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
        form.get_by_label("Why entered late").fill("charted after the fact")
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
    browser: Any,
    live_server: Any,
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
    # The start needs the dose drawn from the ledger for this session, or the reason it was not.
    step(page, "Start infusion", clock(10))
    expect(page.locator("#transition .error")).to_contain_text("drawn")
    expect(page.locator("#session-state")).to_have_text("Dose verified")
    draw = page.locator("#draw")
    draw.get_by_label("No draw needed because").fill("bag prepared by the hospital pharmacy")
    click_and_load(page, draw.get_by_role("button", name="Record the reason"))
    step(page, "Start infusion", clock(10))
    expect(page.locator("#session-state")).to_have_text("Infusing")
    expect(page.locator(".countdown")).to_contain_text("overdue by")

    vitals(page, at=clock(25), Systolic=190)
    alert = page.locator("#alerts li.alert", has_text="above 180 mm Hg: 190")
    expect(alert).to_contain_text("Pause the infusion")
    # The table itself flags the value: high, in colour.
    expect(page.locator("#vitals td .flag-high").first).to_have_text("190 H")
    expect(board.locator("tr", has_text="Example, Ada")).to_contain_text(
        "2 (1 urgent)", timeout=15_000
    )
    for text in ("above 180 mm Hg: 190", "20 % above the pre-infusion value"):
        row = page.locator("#alerts li.alert:not(.acknowledged)", has_text=text)
        row.locator("input[name=note]").fill("Rechecked after 5 min: 150/85; physician informed")
        click_and_load(page, row.get_by_role("button", name="Acknowledge"))
    expect(page.locator("#alerts")).to_contain_text("Acknowledged by nurse-user")
    vitals(page, at=clock(40))
    vitals(page, at=clock(50))

    step(page, "End infusion", clock(50), volume_infused_ml="35")
    step(page, "Start recovery", clock(51))
    for minutes in (65, 80, 95, 110):
        vitals(page, at=clock(minutes))
    expect(page.locator("#next-step")).to_contain_text("Score the Modified Aldrete")
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
    for label in (
        "The responsible adult is here to take the patient home",
        "Told: no driving or hazardous activity for 24 h; emergence reactions",
        "Oriented to person, place and time",
        "Walks steadily without help",
        "Nausea and vomiting controlled",
    ):
        confirm(page, label)

    # CADSS-6 was not scored: discharge is stopped, in words, with a link to the scores.
    step(page, "Discharge")
    refusal = page.locator("#transition .error")
    expect(refusal).to_contain_text("score CADSS-6")
    expect(refusal.get_by_role("link", name="fix it here").first).to_have_attribute(
        "href", "#score"
    )
    expect(page.locator("#session-state")).to_have_text("Recovery")
    expect(page.locator("form.override-form")).to_have_count(0)  # nurses do not override

    # The physician, in their own browser, records the override.
    doctor = browser.new_context(base_url=live_server.url).new_page()
    visit(doctor, "/login/")
    doctor.get_by_label("Username").fill("physician-user")
    doctor.get_by_label("Password").fill(PASSWORD)
    click_and_load(doctor, doctor.get_by_role("button", name="Log in"))
    visit(doctor, f"/sessions/{Session.objects.get().pk}/")
    blocker = doctor.locator("li.blocker", has_text="Dissociation not scored")
    blocker.get_by_label("Reason to override").fill("Calm and oriented; declined the scale")
    blocker.get_by_label("Your password").fill(PASSWORD)
    click_and_load(doctor, blocker.get_by_role("button", name="Override and sign"))
    expect(doctor.locator("#overrides")).to_contain_text("declined the scale")
    doctor.context.close()

    visit(page, f"/sessions/{Session.objects.get().pk}/")
    expect(page.locator("#overrides")).to_contain_text("Signed (approved) by")
    step(page, "Discharge")
    expect(page.locator("#session-state")).to_have_text("Discharged")

    page.locator("#sign").get_by_label("Your password").fill(PASSWORD)
    click_and_load(page, page.get_by_role("button", name="Sign the session record"))
    expect(page.locator("#sign")).to_contain_text("Signed (authored) by nurse-user")
    expect(page.locator("form.vitals-form")).to_have_count(0)

    session = Session.objects.get()
    assert Signature.objects.filter(session=session).exists()
    assert {a.acknowledgement.note[:9] for a in Alert.objects.all()} == {"Rechecked"}
    sheet = reads.get_flowsheet(actor_for(users["nurse"]), session.pk)
    assert sheet.dose_given_mg == 35
    assert [t.to_state for t in sheet.transitions][-1] == "discharged"
    assert [(o.gate, o.signed_by.username) for o in sheet.overrides] == [
        ("discharge.dissociation", "physician-user")
    ]
