"""The demo clinic: one location, chairs, one account per role, synthetic patients.

Loading is idempotent: running it again changes nothing that exists. Every name is
obviously fictional; every number is synthetic.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, replace
from datetime import date, time, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ketaclinic.records.accounts import services as accounts
from ketaclinic.records.accounts.demo import enrol_demo_logins, load_emergency_access
from ketaclinic.records.accounts.models import User
from ketaclinic.records.accounts.roles import Role
from ketaclinic.records.assessments.demo import load_assessments
from ketaclinic.records.billing.demo import load_billing
from ketaclinic.records.bookings.demo import load_bookings
from ketaclinic.records.clinics.models import Chair, Location, OpeningHours, Weekday
from ketaclinic.records.context import Actor, Face
from ketaclinic.records.enquiries.demo import load_front_door
from ketaclinic.records.intake.demo import load_intake
from ketaclinic.records.ledger.demo import load_ledger
from ketaclinic.records.outcomes.demo import load_outcomes
from ketaclinic.records.patients import services as patients
from ketaclinic.records.patients.models import Patient
from ketaclinic.records.plans.demo import load_plans
from ketaclinic.records.plans.demo_consent import load_consent_and_results
from ketaclinic.records.pricing.demo import load_estimates, load_pricing
from ketaclinic.records.sessions.demo import load_sessions
from ketaclinic.records.sessions.demo_today import load_today

LOCATION_SLUG = "demo-main"
# The seed documents' opening hours, in the location's local time.
DEMO_HOURS = [
    *[
        (day, time(7, 0), time(16, 30))
        for day in (Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY)
    ],
    (Weekday.FRIDAY, time(8, 0), time(12, 0)),
]
DEMO_CHAIRS = ("Chair 1", "Chair 2", "Chair 3", "Chair 4")
STAFF = (
    ("physician", Role.PHYSICIAN, "Dana", "Demo-Physician"),
    ("nurse", Role.NURSE, "Noor", "Demo-Nurse"),
    ("frontdesk", Role.FRONT_DESK, "Frankie", "Demo-Desk"),
    ("manager", Role.MANAGER, "Morgan", "Demo-Manager"),
)
PATIENT_COUNT = 20
GIVEN = (
    "Ada",
    "Blake",
    "Casey",
    "Devon",
    "Eli",
    "Frances",
    "Gale",
    "Harper",
    "Indy",
    "Jules",
    "Kai",
    "Lee",
    "Morgan",
    "Nico",
    "Oakley",
    "Parker",
    "Quinn",
    "Rory",
    "Sage",
    "Tatum",
)
FAMILY = (
    "Example",
    "Sample",
    "Testwell",
    "Placeholder",
    "Fictional",
    "Madeup",
    "Specimen",
    "Mockford",
    "Dummyton",
    "Notreal",
)
FLAGS = ("hypertension", "high_cardiovascular_risk", "urinary_symptoms", "alcohol_misuse")
RESTRICTED_MRN = "DEMO-0020"  # restricted to its care team; the nurse breaks the glass
MEDICATIONS = ("duloxetine", "pregabalin", "amitriptyline", "lorazepam", "tramadol", "lamotrigine")


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    password: str
    totp_secret: str = ""  # with ``ketaclinic demo --mfa``


def load_demo(*, with_mfa: bool = False) -> list[DemoLogin]:
    """Create whatever part of the demo clinic is missing; return the demo logins (with their
    authenticator secrets when ``with_mfa``)."""
    with transaction.atomic():
        _location()
    logins = _accounts()
    if with_mfa:
        totp = enrol_demo_logins([login.username for login in logins], logins_file())
        logins = [replace(login, totp_secret=totp.get(login.username, "")) for login in logins]
    physician = User.objects.get(username="physician")
    actor = Actor(user=physician, face=Face.SYSTEM, source_address="demo-loader")
    _patients(actor)
    patient_login = _patient_account()
    front_desk = Actor(
        user=User.objects.get(username="frontdesk"), face=Face.SYSTEM, source_address="demo-loader"
    )
    load_assessments(actor, front_desk)
    nurse = Actor(
        user=User.objects.get(username="nurse"), face=Face.SYSTEM, source_address="demo-loader"
    )
    passwords = {login.username: login.password for login in logins}
    new_plan = load_plans(actor, nurse, passwords)
    load_consent_and_results(actor, passwords)
    load_ledger(LOCATION_SLUG, passwords)
    manager = Actor(
        user=User.objects.get(username="manager"), face=Face.SYSTEM, source_address="demo-loader"
    )
    # Prices before sessions (signing the completed session posts its charge); sessions
    # before bookings (the completed session makes its own plan and order); the series is
    # booked only for the plan this load made.
    load_front_door(LOCATION_SLUG)  # before the prices: every location gets its price list
    load_pricing(manager, front_desk)
    load_sessions(nurse, actor, LOCATION_SLUG, passwords)
    load_billing(front_desk)
    load_bookings(LOCATION_SLUG, nurse.user.pk, manager, front_desk, new_plan)
    load_today(actor, nurse, front_desk, LOCATION_SLUG, passwords)  # after the nurse's roster
    load_estimates(front_desk)
    load_outcomes(actor)
    restricted = Patient.objects.get(mrn=RESTRICTED_MRN)
    if load_emergency_access(restricted.pk, manager, nurse):
        patients.get_chart(nurse, restricted.pk)  # a read under emergency access, marked
    return [*logins, patient_login, _intake_login(front_desk, physician.pk)]


INTAKE_USERNAME = "newpatient"


def _intake_login(front_desk: Actor, physician_id: int) -> DemoLogin:
    """The patient who sent their online intake (awaiting review) logs in with this."""
    saved = _saved_passwords()
    password = saved.get(INTAKE_USERNAME) or f"demo-{secrets.token_urlsafe(9)}"
    if load_intake(front_desk, physician_id, INTAKE_USERNAME, password):
        if INTAKE_USERNAME not in saved:
            _save_password(INTAKE_USERNAME, password)
    elif INTAKE_USERNAME not in saved:
        password = "(set before this demo file existed)"
    return DemoLogin(INTAKE_USERNAME, Role.PATIENT, password)


def _location() -> Location:
    location, created = Location.objects.get_or_create(
        slug=LOCATION_SLUG,
        defaults={
            "name": "Demo Infusion Center",
            "time_zone": "America/New_York",
            "address": "1 Example Way, Suite 100\nSpringfield, KY 00000",
            "phone": "555-0100",
        },
    )
    if created:
        OpeningHours.objects.bulk_create(
            OpeningHours(location=location, weekday=day, opens_at=opens, closes_at=closes)
            for day, opens, closes in DEMO_HOURS
        )
        Chair.objects.bulk_create(Chair(location=location, name=name) for name in DEMO_CHAIRS)
    return location


def logins_file() -> Path:
    """Where the demo's logins are written (under ``KETACLINIC_VAR_DIR``)."""
    return Path(settings.VAR_DIR) / "demo-logins.txt"


def demo_password(username: str) -> str | None:
    """A demo account's password from the demo's logins file (the command line uses it to act
    as that account by name in a demo installation); None for any other account."""
    return _saved_passwords().get(username)


def _saved_passwords() -> dict[str, str]:
    path = logins_file()
    if not path.exists():
        return {}
    rows = (line.split() for line in path.read_text().splitlines())
    return {row[0]: row[1] for row in rows if len(row) >= 2}


def _save_password(username: str, password: str) -> None:
    path = logins_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as file:
        file.write(f"{username} {password}\n")
    path.chmod(0o600)


def _ensure_account(
    username: str, role: str, first: str, last: str, patient_id: int | None = None
) -> DemoLogin:
    saved = _saved_passwords()
    if not User.objects.filter(username=username).exists():
        password = saved.get(username) or f"demo-{secrets.token_urlsafe(9)}"
        user = accounts.create_user(
            None, username=username, password=password, role=role, patient_id=patient_id
        )
        User.objects.filter(pk=user.pk).update(first_name=first, last_name=last)
        if username not in saved:
            _save_password(username, password)
        saved[username] = password
    return DemoLogin(username, role, saved.get(username, "(set before this demo file existed)"))


def _accounts() -> list[DemoLogin]:
    return [_ensure_account(*spec) for spec in STAFF]


def _patients(actor: Actor) -> None:
    rng = random.Random(2026)  # synthetic and the same on every machine
    for index in range(PATIENT_COUNT):
        mrn = f"DEMO-{index + 1:04d}"
        given, family = GIVEN[index % len(GIVEN)], FAMILY[index % len(FAMILY)]
        sex = "female" if rng.random() < 0.8 else "male"
        weight_kg = round(rng.uniform(52, 118), 1)
        height_cm = round(rng.uniform(152, 172) if sex == "female" else rng.uniform(165, 190), 1)
        born = date(rng.randint(1956, 2000), rng.randint(1, 12), rng.randint(1, 28))
        flags = sorted({rng.choice(FLAGS) for _ in range(rng.randint(0, 2))})
        medications = [{"name": rng.choice(MEDICATIONS)} for _ in range(rng.randint(0, 2))]
        if Patient.objects.filter(mrn=mrn).exists():
            continue
        patient = patients.register_patient(
            actor,
            {
                "mrn": mrn,
                "given_name": given,
                "family_name": family,
                "date_of_birth": born,
                "sex": sex,
                "phone": f"555-01{index:02d}",
                "email": f"{given.lower()}.{family.lower()}@example.org",
                "emergency_contact_name": f"{rng.choice(GIVEN)} {family}",
                "emergency_contact_phone": f"555-02{index:02d}",
                "emergency_contact_relationship": rng.choice(
                    ("partner", "parent", "friend", "sibling")
                ),
                # Typed as a clinician would: coded by the service; the last stays free text.
                "allergies": (
                    ["Penicillin (rash, moderate)", "Latex", "Sesame seeds (hives)"]
                    if rng.random() < 0.2
                    else []
                ),
                "medications": list({m["name"]: m for m in medications}.values()),
                "history_flags": flags,
                "physician_id": actor.user.pk,
            },
        )
        # A short weight history: an earlier weighing with height, and today's weight.
        earlier = timezone.now() - timedelta(days=rng.randint(20, 120))
        earlier_kg = round(weight_kg + rng.uniform(-3, 3), 1)
        patients.record_measurement(
            actor,
            patient.pk,
            {"measured_at": earlier, "weight_kg": earlier_kg, "height_cm": height_cm},
        )
        patients.record_measurement(actor, patient.pk, {"weight_kg": weight_kg})


def _patient_account() -> DemoLogin:
    patient = Patient.objects.get(mrn="DEMO-0001")
    return _ensure_account(
        "patient", Role.PATIENT, patient.given_name, patient.family_name, patient.pk
    )
