"""The waitlist page: add a patient from their chart, filter, see the offer a freed slot makes,
book it, withdraw; bad input names the field and writes nothing; roles without booking rights
are refused."""

from __future__ import annotations

from typing import Any

import pytest
from bookings_support import MONDAY

from ketaclinic.records.bookings import services
from ketaclinic.records.bookings.models import Appointment, WaitlistEntry, WaitlistStatus

WINDOW = {"earliest": f"{MONDAY}T07:00", "latest": "2031-03-07T12:00"}


def _add(client: Any, patient: Any, location: Any, **fields: Any) -> Any:
    return client.post(
        "/waitlist/add/",
        {
            "patient_id": patient.pk,
            "location_id": location.pk,
            "appointment_type": "consultation",
            **WINDOW,
            **fields,
        },
    )


@pytest.mark.parametrize("role", ["manager", "patient"])
def test_roles_without_booking_rights_are_refused(
    web_as: Any, users: dict[str, Any], patient_user: Any, location: Any, patient: Any, role: str
) -> None:
    client = web_as(patient_user if role == "patient" else users[role])
    assert client.get("/waitlist/").status_code == 403
    assert _add(client, patient, location).status_code == 403
    assert not WaitlistEntry.objects.exists()


def test_front_desk_adds_from_the_chart_and_a_bad_window_writes_nothing(
    web_as: Any, users: dict[str, Any], location: Any, patient: Any, at: Any
) -> None:
    desk = web_as(users["front_desk"])
    chart = desk.get(f"/patients/{patient.pk}/").content.decode()
    assert f"/waitlist/?patient={patient.pk}" in chart
    form = desk.get(f"/waitlist/?patient={patient.pk}").content.decode()
    assert f"Add {patient.family_name}, {patient.given_name} to the waitlist" in form
    backwards = _add(desk, patient, location, latest=f"{MONDAY}T06:00")
    assert backwards.status_code == 422
    assert backwards.context["errors"]["latest"] == "must be after earliest"
    bad_day = _add(desk, patient, location, earliest="2031-02-30T09:00")
    assert bad_day.status_code == 422
    assert "earliest" in bad_day.context["errors"]
    no_plan = _add(desk, patient, location, appointment_type="infusion")
    assert no_plan.context["errors"]["plan_id"]
    assert not WaitlistEntry.objects.exists()
    added = _add(desk, patient, location, note="any morning")
    assert added.status_code == 302
    entry = WaitlistEntry.objects.get()
    assert (entry.earliest, entry.status) == (at(MONDAY, "07:00"), WaitlistStatus.WAITING)
    listed = desk.get(f"/waitlist/?location={location.pk}").content.decode()
    assert "any morning" in listed
    assert "Waiting" in listed
    assert desk.get("/waitlist/?status=bogus").status_code == 422
    assert "any morning" not in desk.get("/waitlist/?status=booked").content.decode()
    desk.post(f"/waitlist/{entry.pk}/withdraw/", {"query": "status=withdrawn"})
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.WITHDRAWN
    assert "any morning" in desk.get("/waitlist/?status=withdrawn").content.decode()


def test_a_freed_slot_is_offered_and_booked_from_the_page(
    web_as: Any,
    users: dict[str, Any],
    staff: dict[str, Any],
    location: Any,
    register: Any,
    at: Any,
) -> None:
    desk_actor = staff["front_desk"]
    first = register(mrn="WL-1")
    waiting = register(mrn="WL-2", family_name="Waiting")
    booked = services.book_appointment(
        desk_actor,
        {
            "patient_id": first.pk,
            "location_id": location.pk,
            "appointment_type": "consultation",
            "start": at(MONDAY, "10:00").isoformat(),
        },
    )
    desk = web_as(users["front_desk"])
    assert _add(desk, waiting, location).status_code == 302
    services.cancel(desk_actor, booked.pk, {"reason": "cannot come"})
    page = desk.get("/waitlist/").content.decode()
    assert "Offered a slot" in page
    assert "Mon 2031-03-03 10:00" in page
    offer = WaitlistEntry.objects.get().offers.get()
    answer = desk.post(f"/waitlist/offers/{offer.pk}/book/", {"query": ""}, follow=True)
    assert "Booked the offered slot" in answer.content.decode()
    made = Appointment.objects.get(patient=waiting)
    assert made.starts_at == at(MONDAY, "10:00")
    again = desk.post(f"/waitlist/offers/{offer.pk}/book/", {"query": ""}, follow=True)
    assert "Not booked" in again.content.decode()
    assert Appointment.objects.filter(patient=waiting).count() == 1


def test_a_declined_offer_passes_the_slot_to_the_next_entry(
    web_as: Any,
    api_as: Any,
    users: dict[str, Any],
    staff: dict[str, Any],
    location: Any,
    register: Any,
    at: Any,
) -> None:
    desk_actor = staff["front_desk"]
    first = register(mrn="WL-1")
    ahead, behind = register(mrn="WL-2", family_name="Ahead"), register(mrn="WL-3")
    booked = services.book_appointment(
        desk_actor,
        {
            "patient_id": first.pk,
            "location_id": location.pk,
            "appointment_type": "consultation",
            "start": at(MONDAY, "10:00").isoformat(),
        },
    )
    desk = web_as(users["front_desk"])
    _add(desk, ahead, location)
    _add(desk, behind, location)
    services.cancel(desk_actor, booked.pk, {"reason": "cannot come"})
    offer = WaitlistEntry.objects.get(patient=ahead).offers.get()
    answer = desk.post(f"/waitlist/offers/{offer.pk}/decline/", {"query": ""}, follow=True)
    assert "Offer declined; the slot is offered to" in answer.content.decode()
    first_entry, second_entry = (
        WaitlistEntry.objects.get(patient=ahead),
        WaitlistEntry.objects.get(patient=behind),
    )
    assert first_entry.status == WaitlistStatus.WAITING
    assert second_entry.status == WaitlistStatus.OFFERED
    assert desk.post(f"/waitlist/offers/{offer.pk}/book/", {"query": ""}).status_code == 302
    assert not Appointment.objects.filter(patient=ahead).exists()
    api = api_as(users["front_desk"])
    passed = second_entry.offers.get()
    declined = api.post(f"/api/bookings/waitlist/offers/{passed.pk}/decline")
    assert declined.json() == {"declined_offer_id": passed.pk, "next_offer_id": None}
    assert api.post(f"/api/bookings/waitlist/offers/{passed.pk}/decline").status_code == 409
    assert WaitlistEntry.objects.filter(status=WaitlistStatus.WAITING).count() == 2


def test_api_filters_the_waitlist_by_status(
    api_as: Any, users: dict[str, Any], location: Any, patient: Any
) -> None:
    client = api_as(users["front_desk"])
    body = {
        "patient_id": patient.pk,
        "location_id": location.pk,
        "appointment_type": "consultation",
        "earliest": "2031-03-03T07:00:00-05:00",
        "latest": "2031-03-07T12:00:00-05:00",
    }
    entry = client.post("/api/bookings/waitlist", body).json()
    client.post(f"/api/bookings/waitlist/{entry['id']}/withdraw", {})
    assert client.get("/api/bookings/waitlist").json() == []
    withdrawn = client.get("/api/bookings/waitlist", status="withdrawn").json()
    assert [e["id"] for e in withdrawn] == [entry["id"]]
    bad = client.get("/api/bookings/waitlist", status="bogus")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "status"
