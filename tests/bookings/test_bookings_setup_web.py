"""The location set-up pages: hours and chairs, closures that name the visits they hit, nurse
shifts by week, the nurse ratio, and the location's and chairs' calendar feeds."""

from __future__ import annotations

from typing import Any

import pytest
from bookings_support import MONDAY, book_proposed_series, chairs_of

from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.bookings.models import CalendarFeed
from ketaclinic.records.clinics.models import Closure, StaffShift


@pytest.mark.parametrize("role", ["front_desk", "nurse", "physician"])
def test_only_a_manager_reaches_the_set_up_pages(
    web_as: Any, users: dict[str, Any], location: Any, role: str
) -> None:
    client = web_as(users[role])
    public = client.get("/locations/")  # the public locations page, without the set-up form
    assert public.status_code == 200
    assert b'name="time_zone"' not in public.content
    assert client.post("/locations/", {"slug": "x", "name": "X"}).status_code == 403
    assert client.get(f"/locations/{location.pk}/").status_code == 403
    refused = client.post(f"/locations/{location.pk}/closures/", {"date": MONDAY, "reason": "x"})
    assert refused.status_code == 403
    assert not Closure.objects.exists()


def test_the_location_page_lists_hours_chairs_and_the_weeks_shifts(
    web_as: Any, users: dict[str, Any], location: Any
) -> None:
    manager = web_as(users["manager"])
    listing = manager.get("/locations/")
    assert f"/locations/{location.pk}/".encode() in listing.content
    page = manager.get(f"/locations/{location.pk}/?week=2031-03-05").content.decode()
    for shown in ("Monday", 'name="opens_0_0" value="07:00"', 'name="closes_4_0" value="12:00"'):
        assert shown in page
    assert all(chair.name in page for chair in chairs_of(location))
    assert "week of Mon 2031-03-03" in page
    assert page.count("Remove the shift of nurse-user") == 5
    assert "Waitlist" not in page
    assert "Locations" in page


def test_a_closure_over_booked_visits_names_them(
    web_as: Any,
    users: dict[str, Any],
    staff: dict[str, Any],
    location: Any,
    signed_plan: Any,
    patient: Any,
) -> None:
    series = book_proposed_series(staff["front_desk"], patient, signed_plan, location)
    second = series.appointments.get(session=2)
    day = second.starts_at.astimezone(location.zone).date().isoformat()
    manager = web_as(users["manager"])
    answer = manager.post(
        f"/locations/{location.pk}/closures/", {"date": day, "reason": "Burst pipe"}
    )
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "falls over 1 booked visit" in page
    assert f"{patient.family_name}, {patient.given_name}" in page
    assert f"(appointment {second.pk})" in page
    closure = Closure.objects.get(location=location)
    logged = AuditEvent.objects.filter(action="clinic.configure").values_list("detail", flat=True)
    assert {"closure": "Burst pipe", "affected": [second.pk]} in list(logged)
    quiet = manager.post(
        f"/locations/{location.pk}/closures/", {"date": "2031-04-10", "reason": "Training"}
    )
    assert quiet.status_code == 302
    assert "Burst pipe" in manager.get(f"/locations/{location.pk}/").content.decode()
    removed = manager.post(f"/closures/{closure.pk}/remove/")
    assert removed.status_code == 302
    assert list(Closure.objects.values_list("reason", flat=True)) == ["Training"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"date": "2031-02-30", "reason": "Holiday"}, "date"),
        (
            {"starts_at": "2031-03-04T12:00", "ends_at": "2031-03-04T09:00", "reason": "x"},
            "ends_at",
        ),
        ({"starts_at": "2031-03-04T12:00", "reason": "Repair"}, "date"),
        ({"date": "2031-03-04", "reason": ""}, "reason"),
    ],
)
def test_a_bad_closure_names_the_field_and_writes_nothing(
    web_as: Any, users: dict[str, Any], location: Any, fields: dict[str, str], field: str
) -> None:
    answer = web_as(users["manager"]).post(f"/locations/{location.pk}/closures/", fields)
    assert answer.status_code == 422
    assert answer.context["closure_errors"][field]
    assert b"Nothing was added" in answer.content
    assert not Closure.objects.exists()


def test_shifts_are_added_refused_and_removed_by_week(
    web_as: Any,
    users: dict[str, Any],
    staff: dict[str, Any],
    location: Any,
    signed_plan: Any,
    patient: Any,
    at: Any,
) -> None:
    manager = web_as(users["manager"])
    nurse = users["nurse"]
    before = StaffShift.objects.count()
    added = manager.post(
        f"/locations/{location.pk}/shifts/",
        {"nurse_id": nurse.pk, "starts_at": "2031-05-03T09:00", "ends_at": "2031-05-03T13:00"},
    )
    assert added.status_code == 302
    assert added["Location"] == f"/locations/{location.pk}/?week=2031-05-03"
    shift = StaffShift.objects.latest("pk")
    assert shift.starts_at == at("2031-05-03", "09:00")
    assert "Sat 2031-05-03 09:00" in manager.get(added["Location"]).content.decode()
    bad = manager.post(
        f"/locations/{location.pk}/shifts/",
        {"nurse_id": nurse.pk, "starts_at": "2031-05-03T13:00", "ends_at": "2031-05-03T09:00"},
    )
    assert bad.status_code == 422
    assert bad.context["shift_errors"]["ends_at"]
    not_a_nurse = manager.post(
        f"/locations/{location.pk}/shifts/",
        {
            "nurse_id": users["physician"].pk,
            "starts_at": "2031-05-03T09:00",
            "ends_at": "2031-05-03T13:00",
        },
    )
    assert not_a_nurse.context["shift_errors"]["nurse_id"] == "is not an active nurse"
    assert StaffShift.objects.count() == before + 1
    manager.post(f"/shifts/{shift.pk}/remove/")
    assert not StaffShift.objects.filter(pk=shift.pk).exists()
    # The only nurse on the shift a booked session needs cannot be taken off.
    series = book_proposed_series(staff["front_desk"], patient, signed_plan, location)
    first = series.appointments.get(session=1)
    needed = StaffShift.objects.get(starts_at__lte=first.starts_at, ends_at__gte=first.ends_at)
    kept = manager.post(f"/shifts/{needed.pk}/remove/", follow=True)
    assert "Not removed" in kept.content.decode()
    assert StaffShift.objects.filter(pk=needed.pk).exists()


def test_the_ratio_is_edited_and_a_bad_one_names_the_field(
    web_as: Any, users: dict[str, Any], location: Any
) -> None:
    manager = web_as(users["manager"])
    url = f"/locations/{location.pk}/settings/"
    bad = manager.post(url, {"patients_per_nurse": "0", "visit_instructions": ""})
    assert bad.status_code == 422
    assert bad.context["settings_errors"]["patients_per_nurse"]
    location.refresh_from_db()
    assert location.patients_per_nurse == 4
    saved = manager.post(
        url, {"patients_per_nurse": "3", "visit_instructions": "Park at the back."}
    )
    assert saved.status_code == 302
    location.refresh_from_db()
    assert (location.patients_per_nurse, location.visit_instructions) == (3, "Park at the back.")


def test_a_manager_makes_and_revokes_location_and_chair_feeds(
    web_as: Any, users: dict[str, Any], location: Any
) -> None:
    manager = web_as(users["manager"])
    page = f"/locations/{location.pk}/"
    chair = chairs_of(location)[1]
    manager.post(
        "/calendar-feeds/new/", {"kind": "location", "location_id": location.pk, "next": page}
    )
    made = manager.post(
        "/calendar-feeds/new/", {"kind": "chair", "chair_id": chair.pk, "next": page}
    )
    assert made["Location"] == page
    shown = manager.get(page).content.decode()
    for text in ("/calendar/", ".ics", "Whole location", chair.name):
        assert text in shown
    feeds = CalendarFeed.objects.order_by("pk")
    assert [(f.kind, f.location_id, f.chair_id) for f in feeds] == [
        ("location", location.pk, None),
        ("chair", None, chair.pk),
    ]
    manager.post(f"/calendar-feeds/{feeds[1].pk}/revoke/", {"next": page})
    assert CalendarFeed.objects.get(pk=feeds[1].pk).revoked_at is not None
    assert "/calendar/" not in manager.get(page).content.decode()


def test_refused_hours_keep_every_edit_of_the_week(
    web_as: Any,
    users: dict[str, Any],
    staff: dict[str, Any],
    location: Any,
    signed_plan: Any,
    patient: Any,
) -> None:
    book_proposed_series(staff["front_desk"], patient, signed_plan, location)
    manager = web_as(users["manager"])
    week = {f"opens_{day}_0": "07:00" for day in range(4)} | {
        f"closes_{day}_0": "16:30" for day in range(4)
    }
    edits = week | {"opens_0_0": "15:00", "opens_2_0": "15:00", "opens_4_0": "08:00"}
    edits |= {"closes_4_0": "11:30", "opens_1_0": "15:00", "opens_3_0": "15:00"}
    answer = manager.post(f"/locations/{location.pk}/hours/", edits)
    assert answer.status_code == 409
    page = answer.content.decode()
    assert "Hours not changed" in page
    assert 'name="closes_4_0" value="11:30"' in page
    assert 'name="opens_0_0" value="15:00"' in page
    assert (
        'name="closes_4_0" value="12:00"'
        in manager.get(f"/locations/{location.pk}/").content.decode()
    )
