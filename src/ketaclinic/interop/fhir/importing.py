"""Reading a FHIR Bundle of Patient resources into patients to import.

Each entry is checked on its own (its R4B model, then the patient fields), so a file with a bad
entry is reported entry by entry; entries that are not Patients are skipped and said so.
"""

from __future__ import annotations

import json
from typing import Any

from fhir.resources.R4B.patient import Patient as FhirPatient
from pydantic import ValidationError

from ketaclinic.records.errors import FieldError, InvalidInput
from ketaclinic.records.outcomes.exchange import ImportCandidate

from . import codes

MAX_ENTRIES = 10_000


def read_patient_bundle(content: bytes | str) -> list[ImportCandidate]:
    """The file's entries as candidates; ``InvalidInput`` naming ``file`` when it is not a
    FHIR Bundle at all."""
    try:
        data = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput.single("file", "is not JSON") from None
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise InvalidInput.single("file", "is not a FHIR Bundle (resourceType must be Bundle)")
    entries = data.get("entry", [])
    if not isinstance(entries, list):
        raise InvalidInput.single("file", "Bundle.entry must be a list")
    if len(entries) > MAX_ENTRIES:
        raise InvalidInput.single("file", f"has more than {MAX_ENTRIES} entries; split it")
    return [_candidate(position, entry) for position, entry in enumerate(entries)]


def _candidate(position: int, entry: Any) -> ImportCandidate:
    where = f"entry[{position}]"
    resource = entry.get("resource") if isinstance(entry, dict) else None
    if not isinstance(resource, dict):
        return ImportCandidate(position, where, None, (FieldError(where, "has no resource"),))
    label = str(entry.get("fullUrl") or resource.get("id") or where)
    kind = resource.get("resourceType")
    if kind != "Patient":
        return ImportCandidate(position, label, None, skipped=f"a {kind}, not a Patient: skipped")
    try:
        patient = FhirPatient.model_validate(resource)
    except ValidationError as error:
        return ImportCandidate(
            position,
            label,
            None,
            tuple(
                FieldError(
                    ".".join([f"{where}.resource", *(str(part) for part in e["loc"])]),
                    str(e["msg"]).removeprefix("Value error, "),
                )
                for e in error.errors()
            ),
        )
    return ImportCandidate(position, label, patient_fields(patient))


def _text(value: Any) -> str:
    return str(value).strip() if value else ""


def _mrn(patient: FhirPatient) -> str:
    identifiers = patient.identifier or []
    ours = (codes.mrn_system(), codes.LEGACY_MRN_SYSTEM)
    for identifier in identifiers:
        if identifier.system in ours and identifier.value:
            return _text(identifier.value)
    for identifier in identifiers:
        coded = identifier.type.coding if identifier.type and identifier.type.coding else []
        if any(c.code == "MR" for c in coded) and identifier.value:
            return _text(identifier.value)
    return ""


def _name(patient: FhirPatient) -> tuple[str, str]:
    names = patient.name or []
    chosen = next((n for n in names if n.use == "official"), names[0] if names else None)
    if chosen is None:
        return "", ""
    return " ".join(_text(g) for g in chosen.given or []), _text(chosen.family)


def _address(patient: FhirPatient) -> str:
    if not patient.address:
        return ""
    address = patient.address[0]
    if address.text:
        return _text(address.text)
    parts = [
        *(address.line or []),
        address.city,
        address.state,
        address.postalCode,
        address.country,
    ]
    return ", ".join(_text(p) for p in parts if p)


def _telecom(points: Any, system: str) -> str:
    return next((_text(p.value) for p in points or [] if p.system == system and p.value), "")


def patient_fields(patient: FhirPatient) -> dict[str, Any]:
    """The patient's fields in the records' input vocabulary (``PatientCreate``); what FHIR
    leaves out is left out, and the records' validation names anything required."""
    given, family = _name(patient)
    gender = patient.gender or "unknown"
    fields: dict[str, Any] = {
        "given_name": given,
        "family_name": family,
        "sex": gender,
        "mrn": _mrn(patient) or None,
        "phone": _telecom(patient.telecom, "phone"),
        "email": _telecom(patient.telecom, "email"),
        "address": _address(patient),
    }
    if patient.birthDate is not None:
        fields["date_of_birth"] = str(patient.birthDate)
    if patient.contact:
        contact = patient.contact[0]
        if contact.name is not None:
            parts = [*(contact.name.given or []), contact.name.family]
            fields["emergency_contact_name"] = _text(contact.name.text) or " ".join(
                _text(part) for part in parts if part
            )
        fields["emergency_contact_phone"] = _telecom(contact.telecom, "phone")
        relationship = contact.relationship[0] if contact.relationship else None
        if relationship is not None:
            coded = relationship.coding[0] if relationship.coding else None
            fields["emergency_contact_relationship"] = _text(relationship.text) or (
                _text(coded.display or coded.code) if coded else ""
            )
    return {key: value for key, value in fields.items() if value not in ("", None) or key == "mrn"}
