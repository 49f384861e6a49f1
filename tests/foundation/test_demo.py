"""The demo clinic: the seeds' hours, a few chairs, one login per role, synthetic patients."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Any

import pytest

from ketaclinic.records.accounts.models import User
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.clinics.models import Chair, Location
from ketaclinic.records.demo import load_demo
from ketaclinic.records.patients.models import BodyMeasurement, Patient


@pytest.fixture
def var_dir(settings: Any, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_demo_loads_once_and_again_changes_nothing(db: Any, var_dir: Path) -> None:
    first = load_demo()
    counts = (
        Patient.objects.count(),
        BodyMeasurement.objects.count(),
        User.objects.count(),
        Chair.objects.count(),
    )
    audit_entries = AuditEvent.objects.count()
    second = load_demo()
    # 20 patients + 2 from online intake (with their one account); 4 chairs here, 2 in Glendale
    assert counts == (22, 40, 6, 6)
    assert (
        Patient.objects.count(),
        BodyMeasurement.objects.count(),
        User.objects.count(),
        Chair.objects.count(),
    ) == counts
    assert AuditEvent.objects.count() == audit_entries
    assert first == second
    assert {login.role for login in first} == {
        "physician",
        "nurse",
        "front_desk",
        "manager",
        "patient",
    }
    saved = (var_dir / "demo-logins.txt").read_text()
    for login in first:
        assert f"{login.username} {login.password}" in saved
        assert User.objects.get(username=login.username).check_password(login.password)


def test_demo_location_has_the_seed_hours(db: Any, var_dir: Path) -> None:
    load_demo()
    location = Location.objects.get(slug="demo-main")
    assert location.time_zone.startswith("America/")
    hours = {(h.weekday, h.opens_at, h.closes_at) for h in location.hours.all()}
    assert hours == {
        *((day, time(7), time(16, 30)) for day in range(4)),
        (4, time(8), time(12)),
    }


def test_demo_patient_login_sees_its_record(db: Any, var_dir: Path) -> None:
    load_demo()
    account = User.objects.get(username="patient")
    assert account.patient is not None
    assert account.patient.mrn == "DEMO-0001"


def test_a_restart_books_nothing_and_sends_nothing(db: Any, var_dir: Path, mailoutbox: Any) -> None:
    """Plans signed by people trying the demo are theirs to book; a restart leaves them."""
    from ketaclinic.records.bookings.models import Appointment, Series
    from ketaclinic.records.context import Actor, Face
    from ketaclinic.records.plans import screening
    from ketaclinic.records.plans import services as plans
    from ketaclinic.records.plans.demo import FACTS, SEED_PROTOCOL
    from ketaclinic.records.plans.demo_consent import record_required_results
    from ketaclinic.records.plans.models import TreatmentPlan
    from ketaclinic.screening.lab_tests import required_results

    logins = load_demo()
    signed = {"password": next(x.password for x in logins if x.username == "physician")}
    physician = Actor(
        user=User.objects.get(username="physician"), face=Face.WEB, source_address="127.0.0.1"
    )
    planned = set(TreatmentPlan.objects.values_list("patient_id", flat=True))
    for other in Patient.objects.filter(mrn__startswith="DEMO-").exclude(pk__in=planned):
        found = screening.run_screening(physician, other.pk, FACTS)
        if found.outcome == "not_eligible":
            continue
        decision = "eligible" if found.outcome == "eligible" else "proceed_after_review"
        screening.decide(physician, found.pk, {"decision": decision, "note": "tried the demo"})
        asked = [item["test"] for item in found.result.get("required_tests", [])]
        record_required_results(physician, other.pk, required_results(asked, False))
        draft = plans.draft_plan(physician, other.pk, {"protocol": SEED_PROTOCOL})
        plans.sign_plan(physician, draft.pk, signed)
        break
    else:
        pytest.fail("no other demo patient could be given a plan")
    booked = (Series.objects.count(), Appointment.objects.count())
    mailoutbox.clear()

    load_demo()

    assert (Series.objects.count(), Appointment.objects.count()) == booked
    assert not Series.objects.filter(patient=other).exists()
    assert mailoutbox == []


def test_demo_with_mfa_gives_each_staff_login_its_totp_secret(
    db: Any, var_dir: Path, settings: Any
) -> None:
    """``ketaclinic demo --mfa``: a third column in demo-logins.txt; a restart keeps it."""
    import pyotp
    from django.test import Client

    settings.MFA_REQUIRED = True
    first = load_demo(with_mfa=True)
    again = load_demo(with_mfa=True)
    assert first == again
    staff = [login for login in first if login.role != "patient"]
    assert all(login.totp_secret for login in staff)
    assert next(x for x in first if x.role == "patient").totp_secret == ""
    saved = (var_dir / "demo-logins.txt").read_text().splitlines()
    for login in staff:
        assert f"{login.username} {login.password} {login.totp_secret}" in saved
    nurse = next(x for x in first if x.username == "nurse")
    client = Client()
    client.post("/login/", {"username": "nurse", "password": nurse.password})
    answer = client.post("/login/code/", {"otp": pyotp.TOTP(nurse.totp_secret).now()})
    assert answer.status_code == 302


def test_demo_has_a_restricted_record_and_an_emergency_access_to_review(
    db: Any, var_dir: Path
) -> None:
    from ketaclinic.records.accounts.models import EmergencyAccess, RestrictedRecord

    load_demo()
    load_demo()
    restricted = RestrictedRecord.objects.get()
    assert restricted.patient.mrn == "DEMO-0020"
    access = EmergencyAccess.objects.get()
    assert (access.user.username, access.reviewed_at) == ("nurse", None)
    assert AuditEvent.objects.filter(detail__emergency_access=access.pk).count() == 2


def test_demo_front_door_has_two_located_locations_and_a_queue(db: Any, var_dir: Path) -> None:
    from ketaclinic.records.enquiries.models import ConsultationRequest

    load_demo()
    located = Location.objects.exclude(latitude=None).values_list("slug", flat=True)
    assert sorted(located) == ["demo-main", "glendale-az"]
    glendale = Location.objects.get(slug="glendale-az")
    assert glendale.phone == "(602) 922-8527"
    assert {(h.weekday, h.opens_at, h.closes_at) for h in glendale.hours.all()} == {
        *((day, time(7), time(16, 30)) for day in range(4)),
        (4, time(8), time(12)),
    }
    assert glendale.rooms.count() == 1
    requests = ConsultationRequest.objects.count()
    assert requests == 4
    load_demo()
    assert ConsultationRequest.objects.count() == requests
    assert Location.objects.count() == 2
