"""``{% patient_banner patient %}``: allergies, age and today's weight at the top of every
page about a patient (``web/patients/_banner.html``)."""

from __future__ import annotations

from typing import Any

from django import template

from ketaclinic.records.patients.allergies import banner

register = template.Library()


@register.inclusion_tag("web/patients/_banner.html")
def patient_banner(patient: Any) -> dict[str, Any]:
    return {"banner": banner(patient)}
