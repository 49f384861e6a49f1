"""Informed consent on the web: the patient reads and signs in the portal (a phone will do)
or on a clinic tablet a clinician hands over; the clinician countersigns with a witness; the
signed consent as PDF."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from ketaclinic.interop.consent_pdf import consent_pdf_response
from ketaclinic.protocols.consent import consent_policy
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import may
from ketaclinic.records.consents import services
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import InvalidInput
from ketaclinic.records.plans.prerequisites import plan_protocol_id

from ..forms import SIGNER_FIELDS, Attempt, attempt, posted
from .common import actor, service_view


def _sign(request: HttpRequest, who: Actor, patient_id: int) -> Attempt[Any]:
    data: dict[str, Any] = posted(request, "protocol", "document_version", "signed_name", "via")
    data["agree"] = request.POST.get("agree") == "yes"
    return attempt(lambda: services.sign_consent(who, patient_id, data))


def _page(
    request: HttpRequest, who: Actor, patient_id: int, template: str, outcome: Attempt[Any] | None
) -> HttpResponse:
    protocol_id = request.POST.get("protocol") or plan_protocol_id(patient_id)
    document = None
    if protocol_id:
        try:
            document = services.document_for(protocol_id)
        except InvalidInput:
            document = None
    today = timezone.localdate()
    found = services.list_consents(who, patient_id)
    return render(
        request,
        template,
        {
            "patient_id": patient_id,
            "document": document,
            "consents": [(c, services.consent_state(c, today)) for c in found],
            "signed_current": any(
                services.consent_state(c, today) == "current"
                and document is not None
                and c.protocol_id == document.protocol_id
                for c in found
            ),
            "can_countersign": may(who, Action.CONSENT_COUNTERSIGN),
            "witness_required": consent_policy().witness_required,
            "values": posted(request, "signed_name") if outcome else {},
            "errors": outcome.errors if outcome else {},
            "clash": outcome.clash if outcome else "",
        },
        status=outcome.status if outcome else 200,
    )


@service_view
def my_consent(request: HttpRequest) -> HttpResponse:
    """The patient's own consent in the portal: the document for their plan, and signing it."""
    patient_id = getattr(request.user, "patient_id", None)
    if patient_id is None:
        return render(request, "web/forbidden.html", status=403)
    who = actor(request)
    outcome = None
    if request.method == "POST":
        outcome = _sign(request, who, patient_id)
        if outcome.value is not None:
            return redirect("web:my-consent")
    return _page(request, who, patient_id, "web/consents/my.html", outcome)


@service_view
def patient_consents(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Staff: the patient's consents; the document to sign on the clinic tablet."""
    who = actor(request)
    outcome = None
    if request.method == "POST":
        outcome = _sign(request, who, patient_id)
        if outcome.value is not None:
            return redirect("web:patient-consents", patient_id=patient_id)
    return _page(request, who, patient_id, "web/consents/patient.html", outcome)


@require_POST
@service_view
def countersign(request: HttpRequest, patient_id: int, consent_id: int) -> HttpResponse:
    who = actor(request)
    outcome = attempt(
        lambda: services.countersign(
            who, consent_id, posted(request, "witness_name", *SIGNER_FIELDS)
        )
    )
    if outcome.value is not None:
        return redirect("web:patient-consents", patient_id=patient_id)
    return _page(request, who, patient_id, "web/consents/patient.html", outcome)


@service_view
def consent_as_pdf(request: HttpRequest, consent_id: int) -> HttpResponse:
    return consent_pdf_response(services.get_consent(actor(request), consent_id))
