"""The boards show the day: the chairs board has today's booked patients in their chairs
before check-in (and checks them in), the day board says where each visit stands in words,
links each one and draws a line at the current time; the menu counts open alerts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ketaclinic.records.alerts import services as alerts
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.sessions import lifecycle
from ketaclinic.records.sessions import today as todays_visits
from ketaclinic.records.sessions.models import Session
from ketaclinic.sessions import State


def test_the_chairs_board_shows_booked_patients_before_check_in_and_checks_them_in(
    web_as: Any, users: dict[str, Any], order: Any, location: Any, patient: Any, book_today: Any
) -> None:
    visit = book_today(patient, chair=1)
    nurse = web_as(users["nurse"])
    board = nurse.get(f"/chairs/?location={location.pk}").content.decode()
    assert "Booked today, not checked in (1)" in board
    assert f'id="expected-{visit.pk}"' in board
    assert "Chair 2" in board
    assert "Example, Ada" in board
    assert "Check in Ada" in board
    assert AuditEvent.objects.filter(action="board.expected", outcome="allowed").exists()
    answer = nurse.post(
        f"/patients/{patient.pk}/sessions/open/",
        {"order_id": order.pk, "appointment_id": visit.pk},
    )
    assert answer.status_code == 302
    session = Session.objects.get()
    assert (session.appointment_id, session.chair_id) == (visit.pk, visit.chair_id)
    board = nurse.get(f"/chairs/?location={location.pk}").content.decode()
    assert f'id="expected-{visit.pk}"' not in board
    assert "Booked today, not checked in (0)" in board
    assert "Checked in" in board  # now in the table of who is in the chairs


def test_a_booked_patient_without_an_order_is_shown_but_not_checked_in(
    web_as: Any, users: dict[str, Any], location: Any, patient: Any, book_today: Any
) -> None:
    book_today(patient)
    board = web_as(users["front_desk"]).get(f"/chairs/?location={location.pk}").content.decode()
    assert "Example, Ada" in board
    assert "No order for today yet" in board
    assert "Check in Ada" not in board


def test_the_expected_patients_cost_three_queries_however_many(
    nurse: Any, location: Any, register: Callable[..., Any], book_today: Any
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            todays_visits.expected_in_chairs(nurse, location.pk)
        return len(captured.captured_queries)

    from ketaclinic.records.clinics.models import Chair

    Chair.objects.create(location=location, name="Chair 3")  # a chair holds one visit at a time
    book_today(register())
    one = queries()
    book_today(register(), chair=1)
    book_today(register(), chair=2)
    assert len(todays_visits.expected_in_chairs(nurse, location.pk)) == 3
    assert queries() == one


@pytest.mark.parametrize(
    ("status", "state", "words"),
    [
        ("booked", None, "Booked"),
        ("booked", State.SCHEDULED, "Arrived"),
        ("booked", State.CHECKED_IN, "Arrived"),
        ("booked", State.DOSE_VERIFIED, "Arrived"),
        ("booked", State.INFUSING, "Infusing"),
        ("booked", State.PAUSED, "Infusing"),
        ("booked", State.INFUSION_ENDED, "In recovery"),
        ("booked", State.STOPPED_EARLY, "In recovery"),
        ("booked", State.RECOVERY, "In recovery"),
        ("booked", State.DISCHARGED, "Discharged"),
        ("booked", State.CANCELLED, "Cancelled"),
        ("no_show", None, "No-show"),
        ("cancelled", None, "Cancelled"),
    ],
)
def test_every_visit_state_has_its_words(status: str, state: str | None, words: str) -> None:
    assert todays_visits.VISIT_WORDS[todays_visits.visit_kind(status, state)] == words


def test_the_day_board_says_where_each_visit_stands_links_it_and_draws_now(
    web_as: Any,
    users: dict[str, Any],
    nurse: Any,
    order: Any,
    location: Any,
    patient: Any,
    register: Callable[..., Any],
    book_today: Any,
) -> None:
    from sessions_support import walk

    infusing = book_today(patient)
    session = lifecycle.open_session(nurse, {"order_id": order.pk, "appointment_id": infusing.pk})
    walk(nurse, session.pk, State.INFUSING, timezone.now() - timedelta(minutes=30))
    other = register(given_name="Ben", family_name="Booked")
    waiting = book_today(other, chair=1)
    absent = book_today(register(given_name="Nia", family_name="Absent"), kind="consultation")
    absent.status = "no_show"
    absent.save()
    board = web_as(users["nurse"]).get(f"/board/?location={location.pk}").content.decode()
    assert 'role="grid"' not in board  # axe: a grid needs rows; this is a labelled region
    assert 'role="region" aria-label="Chairs by time"' in board
    assert f'href="/sessions/{session.pk}/"' in board
    assert f'href="/patients/{waiting.patient_id}/"' in board
    assert ">Infusing</span>" in board
    assert ">Booked</span>" in board
    assert "No-show" in board
    now = timezone.localtime(timezone.now(), location.zone)
    assert 'id="board-now"' in board
    assert f"Now {now:%H}:" in board
    yesterday = (now - timedelta(days=1)).date().isoformat()
    past = web_as(users["nurse"]).get(f"/board/?location={location.pk}&day={yesterday}")
    assert 'id="board-now"' not in past.content.decode()


def test_the_day_board_states_cost_one_query_however_many(
    nurse: Any, register: Callable[..., Any], book_today: Any
) -> None:
    ids = [book_today(register()).pk]

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            todays_visits.visit_states(nurse, ids)
        return len(captured.captured_queries)

    one = queries()
    ids += [book_today(register(), kind="consultation").pk for _ in range(3)]
    assert queries() == one == 1


def test_the_menu_counts_the_open_alerts_with_a_name(
    web_as: Any, users: dict[str, Any], patient: Any, actor_for: Any
) -> None:
    nurse = actor_for(users["nurse"])
    raised = alerts.raise_alerts(
        nurse,
        patient,
        patient,
        [alerts.NewAlert("t.one", "first", "warning"), alerts.NewAlert("t.two", "second", "info")],
    )
    page = web_as(users["nurse"]).get("/board/").content.decode()
    assert 'aria-label="Alerts, 2 open"' in page
    assert '<span class="nav-count" aria-hidden="true">2</span>' in page
    alerts.acknowledge(nurse, raised[0].pk, "seen")
    page = web_as(users["nurse"]).get("/board/").content.decode()
    assert 'aria-label="Alerts, 1 open"' in page
    alerts.acknowledge(nurse, raised[1].pk, "seen")
    page = web_as(users["nurse"]).get("/board/").content.decode()
    assert 'id="nav-alerts">Alerts</a>' in page
    desk = web_as(users["front_desk"]).get("/board/").content.decode()
    assert "nav-alerts" not in desk  # the front desk sees no alerts


def test_the_alert_count_is_one_query(users: dict[str, Any], actor_for: Any) -> None:
    physician = actor_for(users["physician"])
    with CaptureQueriesContext(connection) as captured:
        alerts.open_alert_count(physician)
    assert len(captured.captured_queries) == 1
