"""Cancelling a visit, marking a no-show and cancelling every future session of a series are
asked to confirm: a post without the confirmation is refused with nothing written; the
buttons are styled as danger and say what will happen."""

from __future__ import annotations

from typing import Any

import pytest
from bookings_support import book_consultation, book_proposed_series, soon

from ketaclinic.records.bookings.models import Appointment

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk_web(web_as: Any, users: dict[str, Any]) -> Any:
    return web_as(users["front_desk"])


def test_a_visit_is_cancelled_only_when_confirmed(
    desk_web: Any, staff: dict[str, Any], location: Any, patient: Any
) -> None:
    visit = book_consultation(staff["front_desk"], patient, location, soon(30))
    url = f"/appointments/{visit.pk}/cancel/"
    refused = desk_web.post(url, {"reason": "moved away", "next": "/"}, follow=True)
    assert "Not cancelled: tick the box to confirm" in refused.content.decode()
    assert Appointment.objects.get(pk=visit.pk).status == "booked"
    no_show = desk_web.post(f"/appointments/{visit.pk}/no-show/", {"next": "/"}, follow=True)
    assert "Not marked as a no-show: tick the box to confirm" in no_show.content.decode()
    assert Appointment.objects.get(pk=visit.pk).status == "booked"
    done = desk_web.post(url, {"reason": "moved away", "confirm": "yes", "next": "/"}, follow=True)
    assert '<li class="success">Appointment cancelled.</li>' in done.content.decode()
    assert Appointment.objects.get(pk=visit.pk).status == "cancelled"


def test_a_series_is_cancelled_only_when_confirmed_from_a_danger_button(
    desk_web: Any, staff: dict[str, Any], location: Any, patient: Any, signed_plan: Any
) -> None:
    series = book_proposed_series(staff["front_desk"], patient, signed_plan, location)
    page = desk_web.get(f"/series/{series.pk}/").content.decode()
    assert '<summary class="button danger">Cancel every future session…</summary>' in page
    assert '<summary class="button danger">Cancel this visit…</summary>' in page
    assert 'name="confirm" value="yes" required' in page
    booked = Appointment.objects.filter(series=series, status="booked").count()
    assert booked > 0
    url = f"/series/{series.pk}/cancel/"
    desk_web.post(url, {"reason": "moving abroad"})
    assert Appointment.objects.filter(series=series, status="booked").count() == booked
    done = desk_web.post(url, {"reason": "moving abroad", "confirm": "yes"}, follow=True)
    assert "Every future session of the series was cancelled." in done.content.decode()
    assert Appointment.objects.filter(series=series, status="booked").count() == 0
