"""Template context for every page: the clinic's name, the idle log-off time, the role's menu."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from ketaclinic.records.accounts.permissions import Action, role_allows
from ketaclinic.records.alerts.services import open_alert_count
from ketaclinic.records.context import Actor, Face
from ketaclinic.records.intake.lookups import has_intake


def clinic(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    role = getattr(user, "role", "") if user is not None and user.is_authenticated else ""
    alerts = role_allows(role, Action.ALERT_VIEW)
    return {
        "session_idle_seconds": settings.SESSION_IDLE_MINUTES * 60,
        # The role's open alerts to act on, beside "Alerts" in the menu.
        "alert_count": open_alert_count(Actor(user, Face.WEB)) if alerts else 0,  # type: ignore[arg-type]
        "may_close_addressed": role_allows(role, Action.ALERT_CLOSE_ADDRESSED),
        "nav": {
            "patients": role_allows(role, Action.PATIENT_SEARCH),
            "alerts": alerts,
            "board": role_allows(role, Action.BOARD_VIEW),
            "chairs": role_allows(role, Action.SESSION_BOARD),
            "reminders": role_allows(role, Action.REMINDER_MANAGE),
            "waitlist": role_allows(role, Action.BOOKING_BOOK),
            "requests": role_allows(role, Action.ENQUIRY_VIEW),
            "locations": role_allows(role, Action.CLINIC_CONFIGURE),
            "appointments": role == "patient" and role_allows(role, Action.BOOKING_VIEW),
            "consent": role == "patient" and role_allows(role, Action.CONSENT_SIGN),
            "protocols": role_allows(role, Action.PROTOCOL_VIEW),
            "simulator": role_allows(role, Action.PK_SIMULATE),
            "ledger": role_allows(role, Action.LEDGER_VIEW),
            "audit": role_allows(role, Action.AUDIT_VIEW),
            "emergency": role_allows(role, Action.EMERGENCY_REVIEW),
            "accounts": role_allows(role, Action.ACCOUNT_MANAGE),
            "outcomes": role_allows(role, Action.COHORT_VIEW),
            "questionnaires": role == "patient" and role_allows(role, Action.ASSESSMENT_RECORD),
            "prices": role_allows(role, Action.PRICE_VIEW),
            "estimates": role == "patient" and role_allows(role, Action.ESTIMATE_VIEW),
            "billing": role_allows(role, Action.BILLING_REPORT),
            "my_billing": role == "patient" and role_allows(role, Action.BILLING_VIEW),
            "intake": role == "patient" and has_intake(getattr(user, "patient_id", None)),
            "intake_reviews": role_allows(role, Action.INTAKE_REVIEW),
        },
    }
