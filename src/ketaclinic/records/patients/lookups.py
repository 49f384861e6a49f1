"""Finding a patient by MRN for a face that was given one (a command's option, a form's
field): permission-checked and audited like a search."""

from __future__ import annotations

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import NotFound
from ketaclinic.records.toolkit import get_or_404

from .models import Patient


def patient_id_by_mrn(actor: Actor, mrn: str, action: Action = Action.PATIENT_SEARCH) -> int:
    """The id of the patient with this MRN (any case), for one who may ``action`` (a search,
    or an intake invitation); audited; ``NotFound`` when there is none."""
    authorize(actor, action)
    found = Patient.objects.filter(mrn__iexact=mrn).values_list("pk", flat=True).first()
    audit.record(
        actor,
        action,
        patient_id=found,
        detail={"what": "MRN look-up", "found": found is not None},
    )
    if found is None:
        raise NotFound(f"no patient has MRN {mrn!r}")
    return found


def patient_id_for_account_setup(mrn: str) -> int | None:
    """The id of the patient with exactly this MRN (any case), for a caller that checks and
    audits its own use: the command line's account set-up (``createuser``, no acting account)
    and the audit viewer's patient filter (the search of the trail is audited with it)."""
    return Patient.objects.filter(mrn__iexact=mrn).values_list("pk", flat=True).first()


def names_for_audit(patient_ids: set[int]) -> dict[int, str]:
    """ "Family, Given (MRN)" for each id, in one query: the audit viewer names the patient
    each entry is about (the viewer's read of the trail is itself audited)."""
    rows = Patient.objects.filter(pk__in=patient_ids).values_list(
        "pk", "family_name", "given_name", "mrn"
    )
    return {pk: f"{family}, {given} ({mrn})" for pk, family, given, mrn in rows}


def patient_or_404(patient_id: int) -> Patient:
    """The patient, or ``NotFound`` (internal: callers have authorized and audit their read)."""
    return get_or_404(Patient.objects.all(), patient_id, "patient")
