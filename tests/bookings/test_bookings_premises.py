"""Setting up premises: a new location, its weekly hours and its chairs, through the
services, the API and the web; changes that would strand booked visits are refused."""

from __future__ import annotations

from typing import Any

import pytest
from bookings_support import HOURS, book_proposed_series, chairs_of

from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.clinics import premises
from ketaclinic.records.clinics.models import Chair, Location, OpeningHours
from ketaclinic.records.errors import Conflict, Forbidden, InvalidInput

NEW = {"slug": "uptown", "name": "Uptown", "time_zone": "America/Chicago"}


def _week(rows: list[tuple[int, str, str]]) -> dict[str, Any]:
    return {"hours": [{"weekday": d, "opens_at": o, "closes_at": c} for d, o, c in rows]}


def _hours(location: Any) -> list[tuple[int, str, str]]:
    return [
        (h.weekday, f"{h.opens_at:%H:%M}", f"{h.closes_at:%H:%M}")
        for h in OpeningHours.objects.filter(location=location)
    ]


def test_a_manager_sets_up_a_location_from_nothing(staff: dict[str, Any]) -> None:
    manager = staff["manager"]
    location = premises.create_location(manager, {**NEW, "patients_per_nurse": 3})
    assert (location.slug, location.time_zone, location.patients_per_nurse) == (
        "uptown",
        "America/Chicago",
        3,
    )
    premises.set_hours(manager, location.pk, _week([(1, "08:00", "12:00"), (1, "13:00", "17:00")]))
    assert _hours(location) == [(1, "08:00", "12:00"), (1, "13:00", "17:00")]
    chair = premises.add_chair(manager, location.pk, {"name": "Bay 1"})
    assert chair.active
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"clinic.location_create", "clinic.hours_set", "clinic.chair_add"} <= actions


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({**NEW, "time_zone": "Mars/Olympus"}, "time_zone"),
        ({**NEW, "slug": "Up Town"}, "slug"),
        ({**NEW, "name": ""}, "name"),
        ({**NEW, "patients_per_nurse": 0}, "patients_per_nurse"),
        ({**NEW, "colour": "red"}, "colour"),
    ],
)
def test_a_bad_location_names_the_field_and_writes_nothing(
    staff: dict[str, Any], data: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        premises.create_location(staff["manager"], data)
    assert [e.field for e in error.value.errors] == [field]
    assert not Location.objects.exists()


def test_a_slug_is_used_once(staff: dict[str, Any], location: Any) -> None:
    with pytest.raises(InvalidInput) as error:
        premises.create_location(staff["manager"], {**NEW, "slug": location.slug})
    assert error.value.errors[0].field == "slug"


@pytest.mark.parametrize(
    "rows",
    [
        [(1, "12:00", "08:00")],
        [(7, "08:00", "12:00")],
        [(1, "08:00", "12:00"), (1, "11:00", "15:00")],
    ],
)
def test_bad_hours_change_nothing(
    staff: dict[str, Any], location: Any, rows: list[tuple[int, str, str]]
) -> None:
    before = _hours(location)
    with pytest.raises(InvalidInput) as error:
        premises.set_hours(staff["manager"], location.pk, _week(rows))
    assert error.value.errors[0].field.startswith("hours")
    assert _hours(location) == before


def test_hours_that_strand_booked_visits_are_refused(
    staff: dict[str, Any], location: Any, signed_plan: Any, patient: Any
) -> None:
    book_proposed_series(staff["front_desk"], patient, signed_plan, location)
    before = _hours(location)
    with pytest.raises(Conflict, match="opening hours"):
        premises.set_hours(staff["manager"], location.pk, _week([(5, "09:00", "13:00")]))
    assert _hours(location) == before
    longer = [(d, "06:00", "18:00") for d, _, _ in HOURS]
    premises.set_hours(staff["manager"], location.pk, _week(longer))
    assert _hours(location) == [(d, "06:00", "18:00") for d, _, _ in HOURS]


def test_a_chair_with_booked_visits_stays_in_use(
    staff: dict[str, Any], location: Any, signed_plan: Any, patient: Any
) -> None:
    series = book_proposed_series(staff["front_desk"], patient, signed_plan, location)
    used = series.appointments.first().chair
    with pytest.raises(Conflict, match="chairs in use"):
        premises.update_chair(staff["manager"], used.pk, {"active": False})
    assert Chair.objects.get(pk=used.pk).active
    idle = next(c for c in chairs_of(location) if c.pk != used.pk)
    assert not premises.update_chair(staff["manager"], idle.pk, {"active": False}).active
    renamed = premises.update_chair(staff["manager"], used.pk, {"name": "Window bay"})
    assert renamed.name == "Window bay"


def test_chair_names_are_unique_per_location(staff: dict[str, Any], location: Any) -> None:
    first, second = chairs_of(location)[:2]
    with pytest.raises(InvalidInput):
        premises.add_chair(staff["manager"], location.pk, {"name": first.name})
    with pytest.raises(InvalidInput):
        premises.update_chair(staff["manager"], second.pk, {"name": first.name})
    assert Chair.objects.get(pk=second.pk).name == second.name


@pytest.mark.parametrize("role", ["front_desk", "nurse", "physician"])
def test_only_managers_set_up_premises(staff: dict[str, Any], location: Any, role: str) -> None:
    who = staff[role]
    for call in (
        lambda: premises.create_location(who, NEW),
        lambda: premises.set_hours(who, location.pk, _week([])),
        lambda: premises.add_chair(who, location.pk, {"name": "Bay 9"}),
        lambda: premises.update_chair(who, chairs_of(location)[0].pk, {"active": False}),
    ):
        with pytest.raises(Forbidden):
            call()
    assert Location.objects.count() == 1


def test_the_api_sets_up_premises(api_as: Any, users: dict[str, Any]) -> None:
    api = api_as(users["manager"])
    assert api.post("/api/scheduling/locations", {**NEW, "time_zone": "Nowhere"}).status_code == 422
    made = api.post("/api/scheduling/locations", NEW)
    assert made.status_code == 201, made.content
    location_id = made.json()["id"]
    hours = api.request(
        "put", f"/api/scheduling/locations/{location_id}/hours", _week([(0, "09:00", "17:00")])
    )
    assert hours.status_code == 200, hours.content
    assert hours.json()["hours"] == [
        {"weekday": 0, "opens_at": "09:00:00", "closes_at": "17:00:00"}
    ]
    chair = api.post(f"/api/scheduling/locations/{location_id}/chairs", {"name": "Bay 1"})
    assert chair.status_code == 201
    off = api.patch(f"/api/scheduling/chairs/{chair.json()['id']}", {"active": False})
    assert off.json() == {"id": chair.json()["id"], "name": "Bay 1", "active": False}
    assert api_as(users["nurse"]).post("/api/scheduling/locations", NEW).status_code == 403


def test_the_web_sets_up_premises(web_as: Any, users: dict[str, Any]) -> None:
    manager = web_as(users["manager"])
    refused = manager.post("/locations/", {**NEW, "time_zone": "Nowhere"})
    assert refused.status_code == 422
    assert b"IANA" in refused.content
    assert not Location.objects.exists()
    made = manager.post("/locations/", NEW)
    location = Location.objects.get()
    assert made.url == f"/locations/{location.pk}/"
    bad = manager.post(
        f"/locations/{location.pk}/hours/", {"opens_1_0": "12:00", "closes_1_0": "08:00"}
    )
    assert bad.status_code == 422
    assert "Tuesday period 1: " in bad.content.decode()
    assert not OpeningHours.objects.exists()
    manager.post(
        f"/locations/{location.pk}/hours/",
        {"opens_1_0": "08:00", "closes_1_0": "12:00", "opens_1_1": "13:00", "closes_1_1": "17:00"},
    )
    assert _hours(location) == [(1, "08:00", "12:00"), (1, "13:00", "17:00")]
    page = manager.get(f"/locations/{location.pk}/").content.decode()
    assert 'name="opens_1_1" value="13:00"' in page
    manager.post(f"/locations/{location.pk}/chairs/", {"name": "Bay 1"})
    chair = Chair.objects.get()
    manager.post(f"/locations/chairs/{chair.pk}/use/", {"active": "false"})
    assert not Chair.objects.get().active
    assert (
        web_as(users["front_desk"])
        .post(f"/locations/{location.pk}/chairs/", {"name": "B"})
        .status_code
        == 403
    )
