"""The public pages (no log-in, hours and "open now", no script, labelled forms) and the
front desk's queue pages."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from front_door_support import REQUEST, next_weekday_at

pytestmark = pytest.mark.django_db

FORM = {k: v for k, v in REQUEST.items() if k != "consent_to_contact"}


def form_token(client: Client) -> str:
    page = client.get("/book/").content.decode()
    found = re.search(r'name="form_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def no_wait() -> None:
    from ketaclinic.records.enquiries.models import FrontDoorSettings

    FrontDoorSettings.objects.update_or_create(pk=1, defaults={"min_submit_seconds": 0})


@pytest.mark.parametrize("path", ["/", "/locations/", "/therapy/", "/book/"])
def test_public_pages_need_no_log_in_and_run_no_script(two_locations: Any, path: str) -> None:
    answer = Client().get(path)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "<script" not in html  # no inline script, no third-party script
    assert 'href="#content"' in html  # the skip link
    assert "<h1" in html


@pytest.mark.parametrize("path", ["/", "/locations/"])
def test_the_locations_show_address_phone_map_and_hours(two_locations: Any, path: str) -> None:
    html = Client().get(path).content.decode()
    assert "18205 N 51st Ave STE 126" in html
    assert 'href="tel:6029228527"' in html
    assert "https://www.openstreetmap.org/search?query=18205+N+51st+Ave" in html
    assert "7:00 am–4:30 pm" in html
    assert "8:00 am–12:00 pm" in html
    assert "America/Phoenix" in html


def test_open_now_is_in_the_locations_own_zone(glendale: Any) -> None:
    from ketaclinic.records.clinics.public import public_locations

    phoenix = ZoneInfo("America/Phoenix")
    monday_9 = datetime(2031, 3, 3, 9, 0, tzinfo=phoenix)
    friday_1pm = datetime(2031, 3, 7, 13, 0, tzinfo=phoenix)
    (open_place,) = public_locations(monday_9)
    (closed_place,) = public_locations(friday_1pm)
    assert open_place.open_now
    assert not closed_place.open_now
    # 16:00 in New York is 14:00 in Phoenix (no daylight saving there): open.
    (same,) = public_locations(datetime(2031, 3, 3, 16, 0, tzinfo=ZoneInfo("America/New_York")))
    assert same.open_now


def test_the_finder_sorts_by_distance_from_a_zip_or_a_city(two_locations: Any) -> None:
    html = Client().get("/locations/", {"near": "10019"}).content.decode()
    assert html.index("Midtown Manhattan</h2>") < html.index("Glendale, AZ</h2>")
    assert "km away" in html
    html = Client().get("/locations/", {"near": "Glendale, AZ"}).content.decode()
    assert html.index("Glendale, AZ</h2>") < html.index("Midtown Manhattan</h2>")
    unknown = Client().get("/locations/", {"near": "99999"})
    assert unknown.status_code == 422
    assert "We do not know that ZIP code or city" in unknown.content.decode()


def test_the_therapy_page_claims_no_efficacy(db: Any) -> None:
    html = Client().get("/therapy/").content.decode()
    for honest in (
        "No study shows that ketamine helps fibromyalgia for months",
        "Cohen 2018",
        "six infusions",
        "Boosters",
        "IM injection",
        "Nasal spray",
        "The risks",
    ):
        assert honest in html
    for claim in ("proven", "cure", "promising", "highly effective", "fda approved ketamine"):
        assert claim not in html.lower()


def test_staff_are_taken_to_their_usual_page(users: dict[str, Any], web_as: Any) -> None:
    assert web_as(users["front_desk"]).get("/").url == "/today/"
    manager = web_as(users["manager"]).get("/locations/")
    assert b'name="time_zone"' in manager.content  # the set-up list, not the public page


def test_the_form_sends_a_request_and_confirms_it(glendale: Any) -> None:
    from ketaclinic.records.enquiries.models import ConsultationRequest

    no_wait()
    client = Client()
    answer = client.post(
        "/book/", {**FORM, "consent_to_contact": "yes", "form_token": form_token(client)}
    )
    assert answer.status_code == 302
    confirmation = client.get(answer["Location"]).content.decode()
    assert "Thank you, Robin: we have your request" in confirmation
    assert "Glendale, AZ" in confirmation
    row = ConsultationRequest.objects.get()
    assert (row.heard_from, row.location) == ("My doctor", glendale)


def test_a_form_sent_too_fast_is_shown_again_and_queues_nothing(glendale: Any) -> None:
    from ketaclinic.records.enquiries.models import ConsultationRequest

    client = Client()  # the default least time is 3 s
    answer = client.post(
        "/book/", {**FORM, "consent_to_contact": "yes", "form_token": form_token(client)}
    )
    assert answer.status_code == 400
    assert "send the form again" in answer.content.decode()
    assert 'value="Robin"' in answer.content.decode()  # what was typed is kept
    forged = client.post("/book/", {**FORM, "consent_to_contact": "yes", "form_token": "1:x"})
    assert forged.status_code == 400
    assert not ConsultationRequest.objects.exists()


def test_the_form_names_each_bad_field(glendale: Any) -> None:
    no_wait()
    client = Client()
    answer = client.post(
        "/book/",
        {**FORM, "phone": "", "email": "", "given_name": "", "form_token": form_token(client)},
    )
    assert answer.status_code == 422
    html = answer.content.decode()
    for field in ("given_name", "phone", "email", "consent"):
        assert f'id="{field}-error"' in html
    assert 'aria-invalid="true"' in html


def test_the_forms_honeypot_gets_a_confirmation_and_queues_nothing(glendale: Any) -> None:
    from ketaclinic.records.enquiries.models import ConsultationRequest

    no_wait()
    client = Client()
    answer = client.post(
        "/book/",
        {**FORM, "consent_to_contact": "yes", "website": "x", "form_token": form_token(client)},
    )
    assert answer.status_code == 302
    assert not ConsultationRequest.objects.exists()


def test_the_form_is_rate_limited_too(glendale: Any) -> None:
    from ketaclinic.records.enquiries.models import FrontDoorSettings

    FrontDoorSettings.objects.update_or_create(
        pk=1, defaults={"min_submit_seconds": 0, "requests_per_hour": 1}
    )
    client = Client()
    body = {**FORM, "consent_to_contact": "yes", "form_token": form_token(client)}
    assert client.post("/book/", body).status_code == 302
    refused = client.post("/book/", body)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0


def test_the_queue_pages_are_for_front_desk_and_manager(
    glendale: Any, users: dict[str, Any], web_as: Any
) -> None:
    from front_door_support import submit

    row = submit()
    assert Client().get("/requests/").status_code == 302  # to log in
    for role in ("nurse", "physician"):
        assert web_as(users[role]).get("/requests/").status_code == 403
    for role in ("front_desk", "manager"):
        listing = web_as(users[role]).get("/requests/")
        assert listing.status_code == 200
        assert "Robin Example" in listing.content.decode()
    detail = web_as(users["front_desk"]).get(f"/requests/{row.pk}/")
    assert "Register and book" in detail.content.decode()


def test_the_front_desk_registers_and_books_from_the_queue(
    glendale: Any, users: dict[str, Any], web_as: Any
) -> None:
    from front_door_support import submit

    row = submit()
    start = next_weekday_at("America/Phoenix", 9)
    desk = web_as(users["front_desk"])
    answer = desk.post(
        f"/requests/{row.pk}/convert/",
        {"location_id": glendale.pk, "start": start.strftime("%Y-%m-%dT%H:%M"), "sex": "female"},
    )
    assert answer.status_code == 302, answer.content.decode()
    row.refresh_from_db()
    assert row.status == "booked"
    assert answer["Location"] == f"/patients/{row.patient_id}/"
    assert row.appointment.starts_at == start
    refused = desk.post(f"/requests/{row.pk}/status/", {"status": "declined"})
    assert refused.status_code == 409


def test_a_manager_changes_the_front_door_settings(users: dict[str, Any], web_as: Any) -> None:
    from ketaclinic.records.enquiries.models import FrontDoorSettings

    manager = web_as(users["manager"])
    answer = manager.post(
        "/requests/settings/",
        {"requests_per_hour": "5", "min_submit_seconds": "4", "self_booking": "yes"},
    )
    assert answer.status_code == 302
    saved = FrontDoorSettings.objects.get()
    assert (saved.requests_per_hour, saved.min_submit_seconds, saved.self_booking) == (5, 4, True)
    desk = web_as(users["front_desk"])
    assert desk.post("/requests/settings/", {"requests_per_hour": "50"}).status_code == 403
    assert FrontDoorSettings.objects.get().requests_per_hour == 5


def test_a_manager_adds_a_room_and_sets_the_coordinates(users: dict[str, Any], web_as: Any) -> None:
    from ketaclinic.records.clinics.models import Location

    location = Location.objects.create(slug="new", name="New place", time_zone="America/Denver")
    manager = web_as(users["manager"])
    assert manager.post(f"/locations/{location.pk}/rooms/", {"name": "Room A"}).status_code == 302
    again = manager.post(f"/locations/{location.pk}/rooms/", {"name": "Room A"})
    assert again.status_code == 422
    saved = manager.post(
        f"/locations/{location.pk}/settings/",
        {"patients_per_nurse": "4", "latitude": "39.74", "longitude": "-104.99"},
    )
    assert saved.status_code == 302
    half = manager.post(f"/locations/{location.pk}/settings/", {"latitude": "40"})
    assert half.status_code == 422
    location.refresh_from_db()
    assert (location.latitude, location.longitude) == (39.74, -104.99)
    assert [room.name for room in location.rooms.all()] == ["Room A"]
    desk = web_as(users["front_desk"])
    assert desk.post(f"/locations/{location.pk}/rooms/", {"name": "B"}).status_code == 403


def test_a_form_too_large_or_sent_as_multipart_is_refused_calmly(glendale: Any) -> None:
    from ketaclinic.records.enquiries.models import ConsultationRequest

    no_wait()
    client = Client()
    token = form_token(client)
    big = client.post("/book/", {**FORM, "notes": "x" * 20_000, "form_token": token})
    assert big.status_code == 413
    multipart = client.post("/book/", {**FORM, "consent_to_contact": "yes", "form_token": token})
    assert multipart.status_code == 302  # the test client sends multipart: read as a form
    assert ConsultationRequest.objects.count() == 1


def test_public_pages_are_rendered_once_a_minute_for_visitors(
    glendale: Any, settings: Any, users: dict[str, Any], web_as: Any
) -> None:
    from django.core.cache import cache

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    first = Client().get("/locations/").content
    glendale.phone = "(602) 555-0000"
    glendale.save()
    assert Client().get("/locations/").content == first  # this minute's page
    assert b"(602) 555-0000" in web_as(users["nurse"]).get("/locations/").content  # signed in
    cache.clear()
    assert b"(602) 555-0000" in Client().get("/locations/").content
