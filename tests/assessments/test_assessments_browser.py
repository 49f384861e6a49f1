"""A patient completes a questionnaire in their own account, on a phone-sized screen."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from ketaclinic.records.alerts.models import Alert
from ketaclinic.records.assessments import services
from ketaclinic.records.assessments.models import Assessment
from support import click_and_load, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_patient_answers_phq9_one_question_at_a_time(
    login: Any, users: dict[str, Any], patient: Any, patient_user: Any, actor_for: Any
) -> None:
    asked = services.request_bundle(
        actor_for(users["front_desk"]), patient.pk, {"bundle": "baseline_intake"}
    )
    page = login("patient-user")
    page.set_viewport_size({"width": 390, "height": 844})
    click_and_load(page, page.get_by_role("link", name="My questionnaires").first)
    expect(page.get_by_text("0 of 10 done")).to_be_visible()
    click_and_load(page, page.get_by_role("link", name="PHQ-9 (Patient Health Questionnaire-9)"))

    send = page.get_by_role("button", name="Send my answers")
    for number in range(1, 10):
        expect(page.get_by_text(f"Question {number} of 9")).to_be_visible()
        expect(page.get_by_role("radio")).to_have_count(4)  # only this question shows
        if number < 9:
            expect(send).to_be_hidden()
        page.get_by_role("radio", name="Several days").check()
        if number < 9:
            page.get_by_role("button", name="Next").click()
    expect(send).to_be_visible()
    page.get_by_role("button", name="Back").click()
    expect(page.get_by_role("radio", name="Several days")).to_be_checked()
    page.get_by_role("button", name="Next").click()
    click_and_load(page, page.get_by_role("button", name="Send my answers"))

    expect(page.get_by_text("your answers to the PHQ-9")).to_be_visible()
    expect(page.get_by_text("Your care team has been alerted")).to_be_visible()
    expect(page.get_by_text("1 of 10 done")).to_be_visible()
    stored = Assessment.objects.get()
    assert (stored.total, stored.entered_by, stored.request_id) == (9, "patient", asked.pk)
    assert Alert.objects.get().addressed_to == users["physician"]


def test_a_missing_answer_brings_the_patient_back_to_that_question(
    login: Any, patient_user: Any
) -> None:
    page = login("patient-user")
    visit(page, "/my/questionnaires/gad7/")
    page.get_by_role("button", name="Show all questions").click()
    for radio in page.get_by_role("radio", name="Not at all").all()[:6]:
        radio.check()
    click_and_load(page, page.get_by_role("button", name="Send my answers"))
    expect(page.get_by_role("alert")).to_contain_text("Question 7: no answer")
    expect(page.get_by_text("Question 7 of 7")).to_be_visible()
    assert not Assessment.objects.exists()
