"""Calendar feeds expire, can be revoked (by their maker, or the patient), are made for a
patient only by the patient or staff caring for them, and their token stays out of logs."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from bookings_support import NEW_YORK, add_location, book_consultation, soon
from django.test import Client
from django.utils import timezone

from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.bookings import feeds
from ketaclinic.records.bookings.models import CalendarFeed
from ketaclinic.records.errors import Forbidden, NotFound
from ketaclinic.records.patients.models import Patient


def test_only_the_patient_or_staff_caring_for_them_make_a_patient_feed(
    staff: dict[str, Any], users: dict[str, Any], patient_user: Any, actor_for: Any
) -> None:
    patient_id = patient_user.patient_id
    with pytest.raises(Forbidden):
        feeds.create_feed(staff["nurse"], {"kind": "patient", "patient_id": patient_id})
    denial = AuditEvent.objects.get(action="calendar.feed", outcome="denied")
    assert denial.patient_id == patient_id
    # The physician named on the record cares for the patient; so does the patient.
    Patient.objects.filter(pk=patient_id).update(physician=users["physician"])
    feeds.create_feed(staff["physician"], {"kind": "patient", "patient_id": patient_id})
    feeds.create_feed(actor_for(patient_user), {"kind": "patient", "patient_id": patient_id})
    location = add_location(staff["manager"], users["nurse"], "main", NEW_YORK)
    book_consultation(staff["front_desk"], patient_user.patient, location, soon(48))
    feeds.create_feed(staff["front_desk"], {"kind": "patient", "patient_id": patient_id})


def test_a_feed_expires(patient_user: Any, actor_for: Any, settings: Any) -> None:
    own = actor_for(patient_user)
    made = feeds.create_feed(own, {"kind": "patient", "patient_id": patient_user.patient_id})
    days = (made.feed.expires_at - timezone.now()).days
    assert settings.CALENDAR_FEED_DAYS - 1 <= days <= settings.CALENDAR_FEED_DAYS
    assert Client().get(f"/calendar/{made.token}.ics").status_code == 200
    CalendarFeed.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get(f"/calendar/{made.token}.ics").status_code == 404
    with pytest.raises(NotFound):
        feeds.render(made.token)
    assert list(feeds.my_feeds(own)) == []


def test_the_patient_revokes_a_feed_staff_made_for_them(
    staff: dict[str, Any], users: dict[str, Any], patient_user: Any, web_as: Any, api_as: Any
) -> None:
    patient_id = patient_user.patient_id
    Patient.objects.filter(pk=patient_id).update(physician=users["physician"])
    made = feeds.create_feed(staff["physician"], {"kind": "patient", "patient_id": patient_id})
    answer = web_as(patient_user).post(f"/calendar-feeds/{made.feed.pk}/revoke/")
    assert answer.status_code == 302
    assert CalendarFeed.objects.get().revoked_at is not None
    again = feeds.create_feed(staff["physician"], {"kind": "patient", "patient_id": patient_id})
    client = api_as(patient_user)
    assert client.delete(f"/api/bookings/calendar-feeds/{again.feed.pk}").status_code == 204
    listed = client.get("/api/bookings/calendar-feeds").json()
    assert listed == []


def test_the_token_never_reaches_a_log(patient_user: Any, actor_for: Any, caplog: Any) -> None:
    own = actor_for(patient_user)
    made = feeds.create_feed(own, {"kind": "patient", "patient_id": patient_user.patient_id})
    feeds.revoke_feed(own, made.feed.pk)
    with caplog.at_level(logging.INFO):
        assert Client().get(f"/calendar/{made.token}.ics").status_code == 404
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "/calendar/[token].ics" in logged
    assert made.token not in logged
    stored = str(list(AuditEvent.objects.values_list("detail", flat=True)))
    assert made.token not in stored
