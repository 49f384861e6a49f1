"""The flowsheet and live board pages: forms that save, refusals shown beside their form with
nothing written (422 bad input, 409 a clash), the chart panel, and who sees what."""

from __future__ import annotations

from typing import Any

import pytest

from ketaclinic.records.alerts.models import Alert
from ketaclinic.records.sessions.models import Note, Session, SessionScore, VitalSigns

pytestmark = pytest.mark.django_db

VITALS = {
    "sbp_mm_hg": "124",
    "dbp_mm_hg": "80",
    "heart_rate_per_min": "72",
    "spo2_percent": "98",
    "resp_rate_per_min": "14",
}


def test_the_flowsheet_is_touch_friendly_with_a_countdown_and_a_chart(
    nurse_web: Any, session: Any, walked: Any
) -> None:
    walked("infusion_ended")
    page = nurse_web.get(f"/sessions/{session.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'inputmode="numeric"' in html
    assert 'class="countdown' in html
    assert "data-due=" in html
    assert '<svg class="plot vitals-chart"' in html
    assert "Start recovery" in html
    assert "<polyline" in html


def test_saving_vitals_and_an_alarming_reading_shows_its_alert(
    nurse_web: Any, session: Any, walked: Any
) -> None:
    walked("infusing", minutes_ago=30)
    answer = nurse_web.post(f"/sessions/{session.pk}/vitals/", {**VITALS, "sbp_mm_hg": "195"})
    assert answer.status_code == 302
    assert answer["Location"].endswith(f"/sessions/{session.pk}/#vitals")
    page = nurse_web.get(f"/sessions/{session.pk}/").content.decode()
    assert "Systolic blood pressure above 180 mm Hg: 195" in page
    assert "Acknowledge" in page
    assert sorted(Alert.objects.values_list("code", flat=True)) == [
        "vitals.sbp_high",
        "vitals.sbp_rise",
    ]


def test_impossible_vitals_are_shown_beside_the_form_and_nothing_is_written(
    nurse_web: Any, session: Any, walked: Any
) -> None:
    walked("infusing", minutes_ago=30)
    before = VitalSigns.objects.count()
    answer = nurse_web.post(f"/sessions/{session.pk}/vitals/", {**VITALS, "spo2_percent": "120"})
    assert answer.status_code == 422
    html = answer.content.decode()
    assert "SpO2 (%): 120 is not a possible value" in html
    flagged = 'name="spo2_percent" inputmode="numeric" pattern="[0-9]*" required aria-invalid'
    assert flagged in html
    assert VitalSigns.objects.count() == before
    missing = nurse_web.post(f"/sessions/{session.pk}/vitals/", {**VITALS, "spo2_percent": ""})
    assert missing.status_code == 422
    assert "SpO2 (%): is required" in missing.content.decode()


def test_a_refused_step_is_explained(nurse_web: Any, session: Any) -> None:
    nurse_web.post(f"/sessions/{session.pk}/transition/", {"command": "check_in"})
    answer = nurse_web.post(
        f"/sessions/{session.pk}/transition/", {"command": "complete_pre_checks"}
    )
    assert answer.status_code == 409
    page = answer.content.decode()
    assert "still missing" in page
    # Each missing record in words, with a link to the section where it is made.
    assert 'record a set of vital signs before the infusion · <a href="#vitals">fix it here' in page
    assert nurse_web.post(f"/sessions/{session.pk}/fly/", {}).status_code == 404


def test_a_late_entry_takes_the_clock_time_in_the_locations_zone(
    nurse_web: Any, session: Any, walked: Any
) -> None:
    from django.utils import timezone

    walked("infusing", minutes_ago=30)
    earlier = timezone.localtime(timezone.now(), session.location.zone).replace(
        second=0, microsecond=0
    )
    earlier = earlier.replace(minute=earlier.minute // 2)
    if earlier.hour == 0 and earlier.minute < 30:
        pytest.skip("too close to midnight for a late entry today")
    answer = nurse_web.post(
        f"/sessions/{session.pk}/note/", {"text": "late", "at_time": earlier.strftime("%H:%M")}
    )
    assert answer.status_code == 302
    assert Note.objects.get().at == earlier


def test_the_flowsheet_asks_pain_right_now_and_over_24_hours(
    nurse_web: Any, session: Any, walked: Any
) -> None:
    walked("checked_in", minutes_ago=5)
    page = nurse_web.get(f"/sessions/{session.pk}/").content.decode()
    assert "Pain right now (NRS 0–10)" in page
    assert page.count('name="nrs_pain_now"') == 11
    assert page.count('name="nrs_pain_average"') == 11
    answer = nurse_web.post(
        f"/sessions/{session.pk}/score/", {"instrument": "nrs_pain_now", "nrs_pain_now": "11"}
    )
    assert answer.status_code == 422
    assert not SessionScore.objects.exists()


def test_scores_and_amendments_through_the_forms(nurse_web: Any, session: Any, walked: Any) -> None:
    walked("checked_in", minutes_ago=5)
    answer = nurse_web.post(
        f"/sessions/{session.pk}/score/",
        {"instrument": "nrs_pain_now", "nrs_pain_now": "7"},
    )
    assert answer.status_code == 302
    nurse_web.post(f"/sessions/{session.pk}/note/", {"text": "pt anxous"})
    note = Note.objects.get()
    page = nurse_web.get(f"/sessions/{session.pk}/").content.decode()
    assert "Correct" in page
    refused = nurse_web.post(
        f"/sessions/{session.pk}/amend/",
        {"kind": "notes", "entry_id": note.pk, "text": "pt anxious"},
    )
    assert refused.status_code == 422
    assert "reason" in refused.content.decode()
    nurse_web.post(
        f"/sessions/{session.pk}/amend/",
        {"kind": "notes", "entry_id": note.pk, "text": "pt anxious", "reason": "typo"},
    )
    assert [n.text for n in Note.objects.current()] == ["pt anxious"]


def test_the_front_desk_checks_in_from_the_chart_and_watches_the_board(
    web_as: Any, users: dict[str, Any], order: Any, location: Any, patient: Any
) -> None:
    desk = web_as(users["front_desk"])
    chart = desk.get(f"/patients/{patient.pk}/").content.decode()
    assert "Check in for today" in chart
    answer = desk.post(
        f"/patients/{patient.pk}/sessions/open/",
        {"order_id": order.pk, "location_id": location.pk, "chair_id": ""},
    )
    assert answer.status_code == 302
    assert answer["Location"] == "/chairs/"
    session = Session.objects.get()
    assert desk.get(f"/sessions/{session.pk}/").status_code == 403
    board = desk.get(f"/chairs/?location={location.pk}").content.decode()
    assert "Example, Ada" in board
    assert "Checked in" in board
    assert f'href="/sessions/{session.pk}/"' not in board
    again = desk.post(
        f"/patients/{patient.pk}/sessions/open/",
        {"order_id": order.pk, "location_id": location.pk},
    )
    assert again.status_code == 409


def test_the_board_fragment_polls_itself(nurse_web: Any, session: Any, location: Any) -> None:
    fragment = nurse_web.get(f"/chairs/{location.pk}/", headers={"HX-Request": "true"})
    html = fragment.content.decode()
    assert html.lstrip().startswith('<section id="live-board"')
    assert 'hx-trigger="every 10s"' in html
    assert "<html" not in html
    assert "Chairs" in nurse_web.get("/chairs/").content.decode()


def test_the_chart_panel_lists_the_patients_sessions(
    nurse_web: Any, session: Any, walked: Any, patient: Any
) -> None:
    walked("discharged")
    chart = nurse_web.get(f"/patients/{patient.pk}/").content.decode()
    assert "Infusion sessions" in chart
    assert f'href="/sessions/{session.pk}/"' in chart
    assert "Discharged" in chart


def test_check_in_at_the_booked_visit(
    web_as: Any, users: dict[str, Any], order: Any, location: Any, patient: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from ketaclinic.records.bookings.models import Appointment

    now = timezone.localtime(timezone.now(), location.zone)
    start = max(now.replace(hour=0, minute=5), now - timedelta(hours=1))
    visit = Appointment.objects.create(
        patient=patient,
        location=location,
        chair=location.chairs.order_by("name").last(),
        appointment_type="infusion",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        policy_version="test",
        booked_by=users["front_desk"],
    )
    desk = web_as(users["front_desk"])
    chart = desk.get(f"/patients/{patient.pk}/").content.decode()
    assert f'name="appointment_id" value="{visit.pk}"' in chart
    assert "Booked" in chart
    desk.post(
        f"/patients/{patient.pk}/sessions/open/",
        {"order_id": order.pk, "appointment_id": visit.pk},
    )
    session = Session.objects.get()
    assert (session.appointment_id, session.chair_id) == (visit.pk, visit.chair_id)
