"""The signed informed consent as PDF: the words the patient read, and who signed when."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from reportlab.platypus import Spacer

from ketaclinic.records.accounts.signatures import meaning_label
from ketaclinic.records.consents.services import consent_state

from .pdf import _p, _render, _table


def consent_pdf(consent: Any, zone: tzinfo) -> bytes:
    """``consent`` is a records.consents consent with its countersignature (if any)."""
    document = consent.document
    local = consent.signed_at.astimezone(zone)
    story: list[Any] = [_p(document["title"], "Title")]
    story.append(_p(f"Document version {consent.document_version}", "Normal"))
    for section in document["sections"]:
        story += [_p(section["heading"], "Heading3"), _p(section["text"])]
    story.append(Spacer(1, 12))
    rows: list[list[Any]] = [
        ["Signed by", "Name", "When", "How"],
        [
            "Patient",
            consent.signed_name,
            f"{local:%Y-%m-%d %H:%M}",
            consent.get_signed_via_display(),
        ],
    ]
    counter = getattr(consent, "countersignature", None)
    if counter is not None:
        when = f"{counter.signed_at.astimezone(zone):%Y-%m-%d %H:%M}"
        clinician = counter.clinician.get_full_name() or counter.clinician.username
        rows.append(
            ["Clinician", clinician, when, f"countersigned ({meaning_label(counter.meaning)})"]
        )
        if counter.witness_name:
            rows.append(
                ["Witness", counter.witness_name, when, "witnessed the patient's signature"]
            )
    story.append(_table(rows))
    state = consent_state(consent, local.date())
    story.append(_p(f"Valid until {consent.expires_on.isoformat()}. Status when printed: {state}."))
    return _render(document["title"], story)


def consent_pdf_response(consent: Any) -> HttpResponse:
    """The consent's PDF as an inline download, in the clinic's time zone."""
    response = HttpResponse(
        consent_pdf(consent, timezone.get_current_timezone()), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="consent-{consent.pk}.pdf"'
    return response
