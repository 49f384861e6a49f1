"""``{% patient_banner patient %}``: allergies (for readers who may see them), age and
today's weight at the top of every page about a patient (``web/patients/_banner.html``)."""

from __future__ import annotations

from typing import Any

from django import template

from ketaclinic.records.context import Actor, Face
from ketaclinic.records.patients.allergies import banner
from ketaclinic.records.patients.services import sees_clinical

register = template.Library()


@register.inclusion_tag("web/patients/_banner.html", takes_context=True)
def patient_banner(context: dict[str, Any], patient: Any) -> dict[str, Any]:
    """The banner; its allergies only for a reader who may see the clinical part."""
    request = context.get("request")
    user = getattr(request, "user", None)
    clinical = user is not None and sees_clinical(Actor(user=user, face=Face.WEB))
    return {"banner": banner(patient), "clinical": clinical}
