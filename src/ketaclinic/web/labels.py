"""Field names in the clinic's words: ``weight_kg`` → "Weight (kg)", ``verified_by`` →
"Verified by", ``sessions.2.start`` → "Start (session 3)". Used wherever a form shows a
service's refusal, so a message never names an internal field."""

from __future__ import annotations

import re

# Names whose words are not their spelling.
FIELD_LABELS: dict[str, str] = {
    "sbp": "Systolic blood pressure",
    "dbp": "Diastolic blood pressure",
    "sbp_mmhg": "Systolic blood pressure (mmHg)",
    "dbp_mmhg": "Diastolic blood pressure (mmHg)",
    "hr": "Heart rate",
    "heart_rate_bpm": "Heart rate (beats/min)",
    "spo2": "Oxygen saturation",
    "spo2_pct": "Oxygen saturation (%)",
    "rr": "Breathing rate",
    "respiratory_rate_per_min": "Breathing rate (per min)",
    "mrn": "MRN",
    "dob": "Date of birth",
    "sex": "Sex",
    "plan_id": "Plan",
    "location_id": "Location",
    "chair_id": "Chair",
    "room_id": "Room",
    "physician_id": "Physician",
    "patient_id": "Patient",
    "order_id": "Order",
    "request_id": "Request",
    "verified_by": "Double-checked by",
    "witness": "Witness",
    "witness_password": "Witness's password",
    "otp": "Code from the authenticator",
    "not_before": "Not before",
    "until_min": "Show until (minutes)",
    "step_min": "Step (minutes)",
    "amount_cents": "Amount",
    "concentration_mg_per_ml": "Concentration (mg/mL)",
    "availability": "Days and times the patient can come",
    "page": "Page",
    "hours": "Opening periods",
    "sessions": "Sessions",
}

UNITS: tuple[tuple[str, str], ...] = (
    ("_mg_per_kg_per_h", "mg/kg/h"),
    ("_mg_per_kg", "mg/kg"),
    ("_mg_per_ml", "mg/mL"),
    ("_ml_per_h", "mL/h"),
    ("_mg_per_h", "mg/h"),
    ("_mmhg", "mmHg"),
    ("_bpm", "beats/min"),
    ("_pct", "%"),
    ("_mg", "mg"),
    ("_ml", "mL"),
    ("_kg", "kg"),
    ("_cm", "cm"),
    ("_min", "minutes"),
    ("_h", "hours"),
)


REGIMEN = re.compile(r"^([a-d])_(.+)$")  # the PK simulator's regimens A to D


def _words(name: str) -> str:
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    if regimen := REGIMEN.match(name):
        return f"Regimen {regimen[1].upper()}: {_words(regimen[2]).lower()}"
    for suffix, unit in UNITS:
        if name.endswith(suffix) and len(name) > len(suffix):
            return f"{_words(name[: -len(suffix)])} ({unit})"
    name = re.sub(r"_id$", "", name)
    return name.replace("_", " ").strip().capitalize() or "This field"


def field_label(path: str) -> str:
    """The label for a field path; list positions become "(item N)" counted from 1."""
    parts = [part for part in path.split(".") if part]
    if not parts:
        return "This form"
    names = [part for part in parts if not part.isdigit()]
    positions = [int(part) + 1 for part in parts if part.isdigit()]
    label = _words(names[-1]) if names else "Entry"
    if positions:
        owner = _words(names[-2]).lower() if len(names) > 1 else "item"
        owner = owner.rstrip("s") if owner.endswith("s") and not owner.endswith("ss") else owner
        label += f" ({owner} {positions[-1]})"
    return label
