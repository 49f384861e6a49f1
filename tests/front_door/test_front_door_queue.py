"""The front desk's queue: duplicates of registered patients, and the one step that registers
a requester and books their consultation (a physician and a room, never a chair)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from front_door_support import next_weekday_at, submit

from ketaclinic.records.errors import Conflict, Forbidden, InvalidInput

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(users: dict[str, Any], actor_for: Any) -> Any:
    return actor_for(users["front_desk"])


def test_duplicates_are_found_by_name_and_birth_date_phone_or_email(
    glendale: Any, register: Any, desk: Any
) -> None:
    from ketaclinic.records.enquiries import services

    same_person = register(
        mrn="DUP-1", given_name="robin", family_name="EXAMPLE", date_of_birth="1979-05-04"
    )
    same_phone = register(mrn="DUP-2", given_name="Sam", phone="+1 602-555-0142")
    same_email = register(mrn="DUP-3", given_name="Alex", email="Robin@Example.org")
    register(mrn="NOT-1", given_name="Other", phone="602-555-9999", email="x@example.org")
    row = submit()
    found = {patient.mrn: why for patient, why in services.possible_duplicates(row)}
    assert found == {
        same_person.mrn: "same name and date of birth",
        same_phone.mrn: "same phone",
        same_email.mrn: "same e-mail",
    }
    listed = services.list_requests(desk).items
    assert sorted(p.mrn for p, _ in listed[0].duplicates) == sorted(found)


def test_a_request_becomes_a_patient_with_a_booked_consultation(
    glendale: Any, users: dict[str, Any], desk: Any
) -> None:
    from ketaclinic.records.audit.models import AuditEvent
    from ketaclinic.records.enquiries import services

    row = submit()
    start = next_weekday_at("America/Phoenix", 9)
    done = services.convert(desk, row.pk, {"start": start.isoformat()})
    assert done.status == "booked"
    patient, visit = done.patient, done.appointment
    assert (patient.given_name, patient.family_name, str(patient.date_of_birth)) == (
        "Robin",
        "Example",
        "1979-05-04",
    )
    assert (patient.phone, patient.email, patient.sex) == (
        "(602) 555-0142",
        "robin@example.org",
        "unknown",
    )
    assert visit.appointment_type == "consultation"
    assert visit.location == glendale
    assert visit.chair_id is None
    assert visit.room.name == "Consultation room 1"
    assert visit.physician == users["physician"]
    assert visit.starts_at == start
    assert AuditEvent.objects.filter(action="enquiry.convert", patient_id=patient.pk).exists()
    with pytest.raises(Conflict):
        services.convert(desk, row.pk, {"start": start.isoformat()})
    with pytest.raises(Conflict):
        services.set_status(desk, row.pk, {"status": "contacted"})


def test_a_refused_booking_registers_nobody(glendale: Any, desk: Any) -> None:
    from ketaclinic.records.enquiries import services
    from ketaclinic.records.patients.models import Patient

    row = submit()
    weekday = next_weekday_at("America/Phoenix", 9)
    saturday = weekday + timedelta(days=5 - weekday.weekday())  # the clinic is closed
    with pytest.raises(InvalidInput) as error:
        services.convert(desk, row.pk, {"start": saturday.isoformat()})
    assert error.value.errors[0].field == "start"
    assert not Patient.objects.exists()
    row.refresh_from_db()
    assert row.status == "new"


def test_the_room_and_physician_are_not_double_booked(
    glendale: Any, desk: Any, register: Any
) -> None:
    from ketaclinic.records.enquiries import services

    start = next_weekday_at("America/Phoenix", 10)
    first = submit()
    services.convert(desk, first.pk, {"start": start.isoformat()})
    second = submit({"given_name": "Casey", "email": "casey@example.org", "phone": ""})
    with pytest.raises(Conflict, match="no consultation room is free"):
        services.convert(desk, second.pk, {"start": start.isoformat()})


def test_a_duplicate_is_booked_for_the_registered_patient(
    glendale: Any, desk: Any, register: Any
) -> None:
    from ketaclinic.records.enquiries import services
    from ketaclinic.records.patients.models import Patient

    known = register(mrn="KNOWN-1", given_name="Robin", family_name="Example")
    row = submit()
    start = next_weekday_at("America/Phoenix", 11)
    done = services.convert(desk, row.pk, {"start": start.isoformat(), "patient_id": known.pk})
    assert done.patient == known
    assert Patient.objects.count() == 1


def test_marking_a_duplicate_links_the_patient(glendale: Any, desk: Any, register: Any) -> None:
    from ketaclinic.records.enquiries import services

    known = register(mrn="KNOWN-2")
    row = submit()
    done = services.set_status(desk, row.pk, {"status": "duplicate", "patient_id": known.pk})
    assert (done.status, done.patient) == ("duplicate", known)
    with pytest.raises(InvalidInput) as error:
        services.set_status(desk, row.pk, {"status": "contacted", "patient_id": known.pk})
    assert error.value.errors[0].field == "patient_id"


def test_only_the_front_desk_converts(glendale: Any, users: dict[str, Any], actor_for: Any) -> None:
    from ketaclinic.records.enquiries import services

    row = submit()
    start = next_weekday_at("America/Phoenix", 9).isoformat()
    for role in ("nurse", "physician"):
        with pytest.raises(Forbidden):
            services.convert(actor_for(users[role]), row.pk, {"start": start})
    with pytest.raises(Forbidden):  # a manager keeps the queue but registers nobody
        services.convert(actor_for(users["manager"]), row.pk, {"start": start})


def test_free_consultation_times_are_offered_where_self_booking_is_on(glendale: Any) -> None:
    from django.utils import timezone

    from ketaclinic.records.enquiries import front_door
    from ketaclinic.records.enquiries.models import FrontDoorSettings

    assert front_door.offered_times("glendale", timezone.now()) == []
    FrontDoorSettings.objects.update_or_create(pk=1, defaults={"self_booking": True})
    offered = front_door.offered_times("glendale", timezone.now())
    assert len(offered) == front_door.OFFERED_TIMES
    assert all(t > timezone.now() for t in offered)
    assert all(t.weekday() <= 4 and 7 <= t.hour < 16 for t in offered)
    assert offered == sorted(offered)
