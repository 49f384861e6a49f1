"""Panels on the patient chart: each feature adds one function to ``CHART_PANELS``.

A panel function takes the request, the actor and the patient, and returns the template
to include with its context, or None when the actor's role should not see it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils import timezone

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import may
from ketaclinic.records.alerts import services as alerts
from ketaclinic.records.assessments import history as assessment_history
from ketaclinic.records.assessments import services as assessments
from ketaclinic.records.bookings import services as bookings
from ketaclinic.records.clinics import lookups as premises
from ketaclinic.records.consents import services as consents
from ketaclinic.records.context import Actor
from ketaclinic.records.intake import lookups as intake_lookups
from ketaclinic.records.outcomes import services as outcomes
from ketaclinic.records.plans.chart import plan_chart
from ketaclinic.records.plans.prerequisites import prerequisites_for
from ketaclinic.records.plans.services import plan_summary
from ketaclinic.records.pricing import estimates as pricing_estimates
from ketaclinic.records.results import services as results
from ketaclinic.records.sessions import reads as sessions

from .sparkline import sparkline
from .views.intake import NEW_LINK

if TYPE_CHECKING:
    from ketaclinic.records.patients.models import Patient


@dataclass(frozen=True)
class Panel:
    """A template included on the chart with ``panel`` bound to ``context``."""

    template: str
    context: dict[str, Any]
    top: bool = False  # above the grid of cards, for what must not be missed


RESULTS_SHOWN = 5
PanelFunction = Callable[[HttpRequest, Actor, "Patient"], Panel | None]


def alerts_panel(request: HttpRequest, actor: Actor, patient: Patient) -> Panel | None:
    if not may(actor, Action.ALERT_VIEW):
        return None
    open_alerts = list(alerts.open_alerts(actor, patient.pk))
    return Panel("web/alerts/_panel.html", {"alerts": open_alerts}, top=True)


def assessments_panel(request: HttpRequest, actor: Actor, patient: Patient) -> Panel | None:
    """Latest scores with a trend per instrument (clinicians, the patient), and bundle requests
    with what is done (also the front desk, which sees no scores)."""
    if not may(actor, Action.ASSESSMENT_REQUEST_VIEW):
        return None
    trends = []
    if may(actor, Action.ASSESSMENT_VIEW):
        for trend in assessment_history.trends(actor, patient.pk):
            low, high = float(trend.definition.total_min), float(trend.definition.total_max)
            line = sparkline([point.total for point in trend.points], low, high)
            trends.append({"trend": trend, "line": line})
    return Panel(
        "web/assessments/_panel.html",
        {
            "patient": patient,
            "trends": trends,
            "shows_scores": may(actor, Action.ASSESSMENT_VIEW),
            "requests": assessments.list_requests(actor, patient.pk)[:5],
            "instruments": assessment_history.instruments_in_order(),
            "can_record": may(actor, Action.ASSESSMENT_RECORD),
            "can_request": may(actor, Action.ASSESSMENT_REQUEST),
            "is_patient": actor.role == "patient",
        },
    )


def plans_panel(request: HttpRequest, actor: Actor, patient: Patient) -> Panel | None:
    """Screening status, the current plan and upcoming orders (clinicians); the plan without
    doses (the patient)."""
    if may(actor, Action.PLAN_VIEW):
        return Panel(
            "web/plans/_panel.html",
            {
                "patient": patient,
                "chart": plan_chart(actor, patient.pk),
                "can_draft": may(actor, Action.PLAN_DRAFT),
            },
        )
    if may(actor, Action.PLAN_SUMMARY_VIEW):
        return Panel("web/plans/_summary_panel.html", {"summary": plan_summary(actor, patient.pk)})
    return None


def appointments_panel(request: HttpRequest, actor: Actor, patient: Patient) -> Panel | None:
    """Upcoming appointments, and the way to book a series (front desk, nurses, physicians)."""
    if not may(actor, Action.BOOKING_VIEW):
        return None
    upcoming = bookings.list_appointments(actor, patient.pk, upcoming_only=True)
    return Panel(
        "web/bookings/_panel.html",
        {
            "patient": patient,
            "appointments": [a for a in upcoming if a.status == "booked"][:10],
            "can_book": may(actor, Action.BOOKING_BOOK),
            "is_patient": actor.role == "patient",
        },
    )


def sessions_panel(request: HttpRequest, actor: Actor, patient: Patient) -> Panel | None:
    """The patient's recent infusion sessions (clinicians) and check-in for today's orders
    (clinicians and the front desk)."""
    if not may(actor, Action.SESSION_CHECK_IN):
        return None
    recent = None
    if may(actor, Action.SESSION_VIEW):
        recent = sessions.patient_sessions(actor, patient.pk)
    return Panel(
        "web/sessions/_panel.html",
        {
            "patient": patient,
            "orders": sessions.openable_orders(actor, patient.pk),
            "locations": premises.locations(),
            "chairs": premises.active_chairs(),
            "sessions": recent.items if recent else None,
            "total": recent.total if recent else 0,
        },
    )


def outcomes_panel(request: HttpRequest, actor: Actor, patient: Patient) -> Panel | None:
    """Responder status and whether a booster awaits a decision, linking to the outcome
    screen (clinicians and the patient)."""
    if not may(actor, Action.OUTCOME_VIEW):
        return None
    data = outcomes.patient_outcomes(actor, patient.pk, view="chart_panel")
    return Panel(
        "web/outcomes/_panel.html",
        {"patient": patient, "outcome": data.outcome, "pending": data.booster_pending},
    )


def results_panel(request: HttpRequest, actor: Actor, patient: Patient) -> Panel | None:
    """The latest test results and what the plan still needs (clinicians)."""
    if not may(actor, Action.RESULT_VIEW):
        return None
    return Panel(
        "web/results/_panel.html",
        {
            "patient": patient,
            "results": results.list_results(actor, patient.pk)[:RESULTS_SHOWN],
            "prerequisites": prerequisites_for(actor, patient.pk),
        },
    )


def consents_panel(request: HttpRequest, actor: Actor, patient: Patient) -> Panel | None:
    """Informed consents and their state (clinicians, and the patient)."""
    if not may(actor, Action.CONSENT_VIEW):
        return None
    today = timezone.localdate()
    found = consents.list_consents(actor, patient.pk)
    return Panel(
        "web/consents/_panel.html",
        {
            "patient": patient,
            "consents": [(c, consents.consent_state(c, today)) for c in found],
            "is_patient": actor.role == "patient",
        },
    )


def estimates_panel_context(who: Actor, patient_id: int) -> dict[str, Any]:
    """A patient's estimates, newest first, and whether ``who`` may issue one."""
    return {
        "patient_id": patient_id,
        "estimates": pricing_estimates.patient_estimates(who, patient_id),
        "can_issue": may(who, Action.ESTIMATE_ISSUE),
        "is_patient": who.role == "patient",
    }


def estimates_panel(request: HttpRequest, actor: Actor, patient: Patient) -> Panel | None:
    """Good Faith Estimates (front desk, managers, and the patient)."""
    if not may(actor, Action.ESTIMATE_VIEW):
        return None
    return Panel("web/pricing/_panel.html", estimates_panel_context(actor, patient.pk))


def intake_panel(request: HttpRequest, actor: Actor, patient: Patient) -> Panel | None:
    """Online intake: the invitation (its link shown once, just after it was made) and what
    the patient entered, marked as theirs."""
    can_invite = may(actor, Action.INTAKE_INVITE)
    can_review = may(actor, Action.INTAKE_REVIEW)
    if not (can_invite or can_review):
        return None
    new_link = request.session.get(NEW_LINK)
    if new_link and new_link.get("patient_id") == patient.pk:
        del request.session[NEW_LINK]
    else:
        new_link = None
    invitation = intake_lookups.latest_invitation(patient.pk)
    return Panel(
        "web/intake/_panel.html",
        {
            "patient_id": patient.pk,
            "intake": intake_lookups.intake_of(invitation),
            "invitation": invitation,
            "has_account": intake_lookups.has_account(patient.pk),
            "new_link": new_link,
            "can_invite": can_invite,
            "can_review": can_review,
            "now": timezone.now(),
        },
        top=new_link is not None,
    )


CHART_PANELS: tuple[PanelFunction, ...] = (
    alerts_panel,
    intake_panel,
    assessments_panel,
    plans_panel,
    consents_panel,
    results_panel,
    appointments_panel,
    sessions_panel,
    outcomes_panel,
    estimates_panel,
)


def chart_panels(request: HttpRequest, actor: Actor, patient: Patient) -> list[Panel]:
    return [panel for function in CHART_PANELS if (panel := function(request, actor, patient))]
