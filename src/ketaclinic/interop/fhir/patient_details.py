"""What a Patient resource carries beyond the basics, from the fields a faithful import keeps:
every given name, telecom use, a structured address, the preferred language, the interpreter
need and other systems' identifiers (``importing`` reads them back)."""

from __future__ import annotations

from typing import Any

from . import codes
from .resource import Resource

INTERPRETER_NEEDED = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-interpreter-needed"
YES_NO = "http://terminology.hl7.org/CodeSystem/v2-0136"
LANGUAGE = "urn:ietf:bcp:47"


def _address(patient: Any) -> Resource:
    address: Resource = {"text": patient.address} if patient.address else {}
    parts = {
        "line": list(patient.address_lines),
        "city": patient.address_city,
        "state": patient.address_state,
        "postalCode": patient.address_postal_code,
        "country": patient.address_country,
    }
    address.update({name: value for name, value in parts.items() if value})
    return address


def _identifier(kept: dict[str, str]) -> Resource:
    identifier: Resource = {"value": kept["value"]}
    if kept.get("system"):
        identifier["system"] = kept["system"]
    if kept.get("type_code") or kept.get("type_text"):
        kind: Resource = {}
        if kept.get("type_code"):
            kind["coding"] = [{"system": codes.IDENTIFIER_TYPE, "code": kept["type_code"]}]
        if kept.get("type_text"):
            kind["text"] = kept["type_text"]
        identifier["type"] = kind
    return identifier


def add_details(resource: Resource, patient: Any) -> Resource:
    """``resource`` (a Patient built from ``patient``) with the details it keeps."""
    resource["name"][0]["given"] = [patient.given_name, *patient.other_given_names]
    uses = {"phone": patient.phone_use, "email": patient.email_use}
    for point in resource.get("telecom", []):
        point["use"] = uses.get(point["system"]) or point.get("use", "home")
    address = _address(patient)
    if address:
        resource["address"] = [address]
    resource["identifier"].extend(_identifier(kept) for kept in patient.other_identifiers)
    if patient.preferred_language:
        resource["communication"] = [
            {
                "language": {"coding": [{"system": LANGUAGE, "code": patient.preferred_language}]},
                "preferred": True,
            }
        ]
    if patient.interpreter_needed is not None:
        answer = "Y" if patient.interpreter_needed else "N"
        resource["extension"] = [
            {"url": INTERPRETER_NEEDED, "valueCoding": {"system": YES_NO, "code": answer}}
        ]
    return resource
