"""The open alerts a clinician is to act on, for their home page."""

from __future__ import annotations

from django.db.models import Case, When

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.context import Actor
from ketaclinic.records.worklists import WorkItem, Worklist, person, worklist

from .models import Alert
from .services import actionable


def alerts_to_act_on(actor: Actor) -> Worklist:
    """Open alerts that are the actor's (as counted in the menu), urgent first, newest first."""
    authorize(actor, Action.ALERT_VIEW)
    rows = (
        actionable(actor, Alert.objects.filter(acknowledgement__isnull=True))
        .select_related("patient")
        .order_by(Case(When(severity="urgent", then=0), default=1), "-raised_at", "-id")
    )
    return worklist(
        actor,
        Action.ALERT_VIEW,
        "Open alerts",
        rows,
        lambda alert: WorkItem(
            "alert",
            alert.pk,
            person(alert.patient),
            f"{alert.get_severity_display()}: {alert.message}",
            alert.raised_at,
            alert.patient_id,
        ),
    )
