"""Walking the whole application: every web route (from the URL resolver) and every API
operation (from the OpenAPI document), with path parameters filled by ids that exist."""

from __future__ import annotations

import re
from typing import Any

from django.apps import apps
from django.urls import URLPattern, URLResolver

# A path parameter → the model whose ids fill it.
MODELS = {
    "alert_id": "alerts.Alert",
    "appointment_id": "bookings.Appointment",
    "assessment_id": "assessments.Assessment",
    "consent_id": "consents.Consent",
    "draw_id": "ledger.Entry",
    "entry_id": "bookings.WaitlistEntry",
    "feed_id": "bookings.CalendarFeed",
    "offer_id": "bookings.WaitlistOffer",
    "order_id": "plans.Order",
    "plan_id": "plans.TreatmentPlan",
    "screening_id": "plans.Screening",
    "series_id": "bookings.Series",
    "session_id": "sessions.Session",
}
TEXT = {"instrument": "fiqr", "slug": "demo-main", "action": "view", "location": "demo-main"}


def routes(patterns: list[Any], prefix: str = "") -> list[str]:
    found: list[str] = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith(("api/", "fhir/")):
                continue
            found += routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            found.append(route)
    return found


def ids(name: str, patient_id: int) -> list[str]:
    if name == "patient_id":
        return [str(patient_id)]
    label = MODELS.get(name)
    if label is None:
        return ["1"]
    try:
        model = apps.get_model(label)
    except LookupError:
        return ["1"]
    found = [str(pk) for pk in model.objects.values_list("pk", flat=True)[:3]]
    return found or ["1"]


def fill(route: str, patient_id: int) -> str:
    def value(match: re.Match[str]) -> str:
        converter, name = match.group(1) or "str", match.group(2)
        if converter == "int" or name.endswith("_id"):
            return ids(name, patient_id)[0]
        return TEXT.get(name, "x")

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


def api_path(path: str, patient_id: int) -> str:
    """An OpenAPI path with its ``{parameters}`` filled by ids that exist."""
    return re.sub(r"\{(\w+)\}", lambda m: ids(m.group(1), patient_id)[0], path)


def demo_password_of(username: str) -> str:
    """A demo account's password."""
    from ketaclinic.records.demo import demo_password

    found = demo_password(username)
    assert found is not None
    return found
