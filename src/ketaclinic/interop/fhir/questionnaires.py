"""Questionnaire resources for the instruments, so that every QuestionnaireResponse points at a
Questionnaire a receiver can fetch: its items in order, their codes and answer ranges."""

from __future__ import annotations

import json
from collections.abc import Iterable

from ketaclinic.instruments import Definition
from ketaclinic.instruments.definitions import Coding, Item

from . import codes
from .resource import Resource, validated

MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"


def questionnaire_id(instrument_id: str, version: str) -> str:
    """The resource id of an instrument's version (FHIR ids allow letters, digits, - and .)."""
    return f"{instrument_id.replace('_', '-')}-{version}"


def canonical(instrument_id: str) -> str:
    """The Questionnaire's canonical URL; a QuestionnaireResponse adds ``|<version>``."""
    return f"{codes.QUESTIONNAIRES}:{instrument_id}"


def _codings(found: Iterable[Coding]) -> list[Resource]:
    return [
        {"system": c.system, "code": c.code, **({"display": c.display} if c.display else {})}
        for c in found
        if c.status != "unconfirmed"
    ]


def _item(item: Item) -> Resource:
    answer = item.answer
    entry: Resource = {
        "linkId": item.id,
        "text": item.label,
        "type": "boolean" if answer.kind == "boolean" else "integer",
    }
    coded = _codings(item.codes)
    if coded:
        entry["code"] = coded
    if answer.kind == "integer":
        entry["extension"] = [
            {"url": MIN_VALUE, "valueInteger": answer.min},
            {"url": MAX_VALUE, "valueInteger": answer.max},
        ]
    return entry


_BUILT: dict[tuple[str, str, int], str] = {}


def questionnaire_resource(definition: Definition) -> Resource:
    """One instrument version as a Questionnaire (status active, subject a patient); built and
    validated once per loaded definition (a bulk export asks for it for every patient), a
    fresh copy each time."""
    key = (definition.id, definition.version, id(definition))
    if key not in _BUILT:
        _BUILT[key] = json.dumps(_questionnaire(definition))
    resource: Resource = json.loads(_BUILT[key])
    return resource


def _questionnaire(definition: Definition) -> Resource:
    name = "".join(part.capitalize() for part in definition.id.split("_"))
    resource: Resource = {
        "resourceType": "Questionnaire",
        "id": questionnaire_id(definition.id, definition.version),
        "url": canonical(definition.id),
        "version": definition.version,
        "name": name,
        "title": definition.title,
        "status": "active",
        "subjectType": ["Patient"],
        "code": _codings(definition.codes),
        "item": [_item(item) for item in definition.items],
    }
    if definition.description:
        resource["description"] = definition.description
    return validated(resource)
