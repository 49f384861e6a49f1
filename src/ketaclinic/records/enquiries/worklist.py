"""New consultation requests, for the front desk's home page."""

from __future__ import annotations

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.context import Actor
from ketaclinic.records.worklists import WorkItem, Worklist, person, worklist

from .choices import RequestStatus
from .models import ConsultationRequest


def new_requests(actor: Actor) -> Worklist:
    """Requests from the public no one has answered yet, oldest first."""
    authorize(actor, Action.ENQUIRY_VIEW)
    rows = (
        ConsultationRequest.objects.filter(status=RequestStatus.NEW)
        .select_related("location")
        .order_by("received_at", "id")
    )
    return worklist(
        actor,
        Action.ENQUIRY_VIEW,
        "Consultation requests",
        rows,
        lambda request: WorkItem(
            "request",
            request.pk,
            person(request),
            f"New request for {request.location.name}" if request.location else "New request",
            request.received_at,
        ),
    )
