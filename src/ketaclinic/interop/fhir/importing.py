"""Reading a FHIR Bundle of Patient resources into patients to import.

Each entry is checked on its own (its R4B model, then the patient fields), so a file with a bad
entry is reported entry by entry. Every element the patient record cannot hold is listed per
entry by its FHIR path (``Patient.maritalStatus``, ``Patient.extension[us-core-race]``,
``Patient.address[1]``); messages name FHIR paths, never the record's own field names. An entry
of another FHIR resource type is skipped and said so; an entry whose ``resourceType`` is not a
FHIR resource at all is invalid.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.patient import Patient as FhirPatient
from pydantic import ValidationError

from ketaclinic.records.errors import FieldError, InvalidInput
from ketaclinic.records.outcomes.exchange import ImportCandidate

from . import codes
from .import_paths import PatientReading, not_kept

MAX_ENTRIES = 10_000
INTERPRETER_NEEDED = (
    "http://hl7.org/fhir/us/core/StructureDefinition/us-core-interpreter-needed",
    "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired",
)
_YES_NO = {"Y": True, "N": False, "true": True, "false": False}
_FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MRN = re.compile(r"^[A-Za-z0-9-]{1,64}$")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")


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


def _path(parts: tuple[Any, ...]) -> str:
    path = "Patient"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _known_type(kind: Any) -> bool:
    try:
        get_fhir_model_class(str(kind))
    except (ValueError, KeyError):
        return False
    return True


def _candidate(position: int, entry: Any) -> ImportCandidate:
    where = f"Bundle.entry[{position}]"
    resource = entry.get("resource") if isinstance(entry, dict) else None
    if not isinstance(resource, dict):
        return ImportCandidate(position, where, None, (FieldError(where, "has no resource"),))
    label = str(entry.get("fullUrl") or resource.get("id") or where)
    kind = resource.get("resourceType")
    if kind != "Patient":
        if not isinstance(kind, str) or not _known_type(kind):
            problem = FieldError(
                f"{where}.resource.resourceType", f"{kind!r} is not a FHIR R4 resource type"
            )
            return ImportCandidate(position, label, None, (problem,))
        return ImportCandidate(
            position, label, None, skipped=f"{_article(kind)} {kind}, not a Patient: skipped"
        )
    try:
        patient = FhirPatient.model_validate(resource)
    except ValidationError as error:
        problems = tuple(
            FieldError(_path(e["loc"]), str(e["msg"]).removeprefix("Value error, "))
            for e in error.errors()
        )
        return ImportCandidate(position, label, None, problems)
    reading = read_patient(patient)
    return ImportCandidate(
        position,
        label,
        reading.fields,
        tuple(reading.errors),
        paths=reading.paths,
        not_kept=not_kept(resource, reading.kept),
    )


def _article(word: str) -> str:
    return "an" if word[:1] in "AEIOU" else "a"


def _text(value: Any) -> str:
    return str(value).strip() if value else ""


def _identifiers(patient: FhirPatient, reading: PatientReading) -> None:
    """Our MRN (this clinic's system, the legacy one, else the first ``MR`` identifier); every
    other identifier is kept as a secondary one (the source system's MRN among them)."""
    identifiers = list(enumerate(patient.identifier or []))
    systems = (codes.mrn_system(), codes.LEGACY_MRN_SYSTEM)
    chosen = next((i for i, ident in identifiers if ident.system in systems and ident.value), None)
    if chosen is None:
        chosen = next(
            (
                i
                for i, ident in identifiers
                if ident.value
                and any(c.code == "MR" for c in (ident.type.coding if ident.type else None) or [])
            ),
            None,
        )
    reading.fields["mrn"] = None
    reading.paths["mrn"] = "Patient.identifier"
    others = []
    for index, identifier in identifiers:
        if index == chosen:
            reading.paths["mrn"] = f"Patient.identifier[{index}].value"
            if _MRN.match(_text(identifier.value)):
                reading.fields["mrn"] = _text(identifier.value)
            else:
                reading.errors.append(
                    FieldError(
                        reading.paths["mrn"],
                        "a medical record number may hold only letters, digits and hyphens, "
                        "up to 64 characters",
                    )
                )
            if identifier.system in systems:
                reading.keep(f"identifier[{index}]")
                continue
        if not identifier.value:
            continue
        coding = identifier.type.coding[0] if identifier.type and identifier.type.coding else None
        others.append(
            {
                "system": _text(identifier.system),
                "value": _text(identifier.value),
                "type_code": _text(coding.code) if coding else "",
                "type_text": _text(identifier.type.text) if identifier.type else "",
            }
        )
        for part in ("system", "value", "type.coding[0].code", "type.coding[0].system"):
            reading.keep(f"identifier[{index}].{part}")
        reading.keep(f"identifier[{index}].type.text")
        reading.keep(f"identifier[{index}].type.coding[0].display")
        reading.paths.setdefault("other_identifiers", f"Patient.identifier[{index}]")
    if others:
        reading.fields["other_identifiers"] = others


def _name(patient: FhirPatient, reading: PatientReading) -> None:
    names = patient.name or []
    index = next((i for i, n in enumerate(names) if n.use == "official"), 0)
    reading.paths["given_name"] = f"Patient.name[{index}].given"
    reading.paths["family_name"] = f"Patient.name[{index}].family"
    reading.paths["other_given_names"] = f"Patient.name[{index}].given"
    if not names:
        return
    chosen = names[index]
    given = [_text(g) for g in chosen.given or [] if _text(g)]
    reading.fields["given_name"] = given[0] if given else ""
    reading.fields["other_given_names"] = given[1:]
    reading.fields["family_name"] = _text(chosen.family)
    for part in ("use", "given", "family"):
        reading.keep(f"name[{index}].{part}")


def _birth_date(patient: FhirPatient, reading: PatientReading) -> None:
    reading.paths["date_of_birth"] = "Patient.birthDate"
    if patient.birthDate is None:
        return
    born = str(patient.birthDate)
    if not _FULL_DATE.match(born):
        precision = "a year" if len(born) == 4 else "a year and month"
        reading.errors.append(
            FieldError(
                "Patient.birthDate",
                f"{born} gives only {precision}; the clinic needs the full date of birth "
                "(day, month and year) to register a patient",
            )
        )
        return
    reading.fields["date_of_birth"] = born
    reading.keep("birthDate")


def _telecom(patient: FhirPatient, reading: PatientReading) -> None:
    for system, field in (("phone", "phone"), ("email", "email")):
        for index, point in enumerate(patient.telecom or []):
            if point.system == system and point.value:
                reading.fields[field] = _text(point.value)
                if point.use:
                    reading.fields[f"{field}_use"] = point.use
                reading.paths[field] = reading.paths[f"{field}_use"] = f"Patient.telecom[{index}]"
                for part in ("system", "value", "use"):
                    reading.keep(f"telecom[{index}].{part}")
                break


def _address(patient: FhirPatient, reading: PatientReading) -> None:
    if not patient.address:
        return
    address = patient.address[0]
    lines = [_text(line) for line in address.line or [] if _text(line)]
    parts = [*lines, address.city, address.state, address.postalCode, address.country]
    reading.fields["address"] = _text(address.text) or ", ".join(_text(p) for p in parts if p)
    reading.fields["address_lines"] = lines
    named = {
        "address_city": ("city", address.city),
        "address_state": ("state", address.state),
        "address_postal_code": ("postalCode", address.postalCode),
        "address_country": ("country", address.country),
    }
    for field, (_, value) in named.items():
        reading.fields[field] = _text(value)
    for field, (element, _) in {
        "address": ("text", None),
        "address_lines": ("line", None),
        **named,
    }.items():
        reading.paths[field] = f"Patient.address[0].{element}"
        reading.keep(f"address[0].{element}")


def _language(patient: FhirPatient, reading: PatientReading) -> None:
    spoken = list(enumerate(patient.communication or []))
    index = next((i for i, c in spoken if c.preferred), spoken[0][0] if spoken else None)
    if index is not None:
        language = dict(spoken)[index].language
        coding = language.coding[0] if language.coding else None
        tag = _text(coding.code if coding else "")
        if _LANGUAGE.match(tag):
            reading.fields["preferred_language"] = tag
            reading.paths["preferred_language"] = f"Patient.communication[{index}].language"
            reading.keep(f"communication[{index}].language")
            reading.keep(f"communication[{index}].preferred")
    for extension in patient.extension or []:
        if extension.url in INTERPRETER_NEEDED:
            coded = extension.valueCoding.code if extension.valueCoding else None
            value = extension.valueBoolean if extension.valueBoolean is not None else coded
            answer = _YES_NO.get(str(value)) if value is not None else None
            if answer is not None:
                reading.fields["interpreter_needed"] = answer
                reading.keep(f"extension[{extension.url.rsplit('/', 1)[-1]}]")


def _contact(patient: FhirPatient, reading: PatientReading) -> None:
    if not patient.contact:
        return
    contact = patient.contact[0]
    for field in ("name", "phone", "relationship"):
        reading.paths[f"emergency_contact_{field}"] = "Patient.contact[0]"
    if contact.name is not None:
        parts = [*(contact.name.given or []), contact.name.family]
        reading.fields["emergency_contact_name"] = _text(contact.name.text) or " ".join(
            _text(part) for part in parts if part
        )
        reading.keep("contact[0].name")
    for index, point in enumerate(contact.telecom or []):
        if point.system == "phone" and point.value:
            reading.fields["emergency_contact_phone"] = _text(point.value)
            reading.keep(f"contact[0].telecom[{index}].system")
            reading.keep(f"contact[0].telecom[{index}].value")
            break
    relationship = contact.relationship[0] if contact.relationship else None
    if relationship is not None:
        coded = relationship.coding[0] if relationship.coding else None
        reading.fields["emergency_contact_relationship"] = _text(relationship.text) or (
            _text(coded.display or coded.code) if coded else ""
        )
        reading.keep("contact[0].relationship[0]")


def read_patient(patient: FhirPatient) -> PatientReading:
    """The patient's fields in the records' input vocabulary (``PatientCreate``), the FHIR path
    each came from, and the paths kept; the records' validation names anything required."""
    reading = PatientReading()
    reading.keep("resourceType")
    _identifiers(patient, reading)
    _name(patient, reading)
    reading.fields["sex"] = patient.gender or "unknown"
    reading.paths["sex"] = "Patient.gender"
    reading.keep("gender")
    _birth_date(patient, reading)
    _telecom(patient, reading)
    _address(patient, reading)
    _language(patient, reading)
    _contact(patient, reading)
    reading.fields = {
        key: value
        for key, value in reading.fields.items()
        if value not in ("", None, []) or key == "mrn"
    }
    return reading
