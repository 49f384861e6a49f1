"""Recognising interacting drugs in free-text medication lists (data/medications.toml)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from ketaclinic.core import DomainInputError, load_toml, read_text, read_texts


@dataclass(frozen=True)
class Medication:
    """A patient's medication as recorded: a free-text name, optionally a free-text class."""

    name: str
    drug_class: str = ""


@dataclass(frozen=True)
class DrugClass:
    id: str
    label: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class KnownDrug:
    name: str
    aliases: tuple[str, ...]
    class_ids: tuple[str, ...]
    rxnorm: str
    source: str

    @property
    def terms(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class ClassMatch:
    """Why a medication was put in a class: by drug name (``source`` cites the classification),
    or by the class recorded with it (``source`` empty)."""

    class_id: str
    medication: str
    matched_by: str
    source: str


@dataclass(frozen=True)
class MedicationCatalog:
    version: str
    classes: Mapping[str, DrugClass]
    drugs: tuple[KnownDrug, ...]


def _casefolded(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(word.casefold() for word in words)


@cache
def medication_catalog() -> MedicationCatalog:
    data = load_toml(__package__, "medications.toml")
    classes = {
        c["id"]: DrugClass(
            id=read_text(c, "id", "medications.class"),
            label=read_text(c, "label", f"medications.class.{c['id']}"),
            aliases=_casefolded(read_texts(c, "aliases", f"medications.class.{c['id']}")),
        )
        for c in data.get("class", [])
    }
    drugs = []
    for item in data.get("drug", []):
        where = f"medications.drug.{item.get('name')}"
        class_ids = read_texts(item, "classes", where)
        if not set(class_ids) <= set(classes):  # no class: recognised, no interaction listed
            raise DomainInputError(f"{where}.classes", "must name classes in medications.toml")
        rxnorm = item.get("rxnorm", "")
        if not isinstance(rxnorm, str) or not (rxnorm == "" or rxnorm.isdigit()):
            raise DomainInputError(f"{where}.rxnorm", "must be an RxNorm code (digits) or empty")
        drugs.append(
            KnownDrug(
                name=read_text(item, "name", where).casefold(),
                aliases=_casefolded(read_texts(item, "aliases", where)),
                class_ids=tuple(class_ids),
                rxnorm=rxnorm,
                source=read_text(item, "source", where),
            )
        )
    return MedicationCatalog(
        version=read_text(data, "version", "medications"), classes=classes, drugs=tuple(drugs)
    )


def _mentions(text: str, term: str) -> bool:
    """Whether ``term`` occurs in ``text`` as whole words, ignoring case."""
    return re.search(rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])", text.casefold()) is not None


def named_drugs(name: str) -> tuple[KnownDrug, ...]:
    """The known drugs a free-text medication name mentions by name or alias."""
    return tuple(
        drug for drug in medication_catalog().drugs if any(_mentions(name, t) for t in drug.terms)
    )


def classify(medication: Medication) -> tuple[ClassMatch, ...]:
    """The drug classes a medication belongs to, matched by name or by its recorded class."""
    catalog = medication_catalog()
    matches: dict[str, ClassMatch] = {}
    for drug in named_drugs(medication.name):
        term = next(t for t in drug.terms if _mentions(medication.name, t))
        for class_id in drug.class_ids:
            if class_id not in matches:
                matches[class_id] = ClassMatch(
                    class_id, medication.name, f"name '{term}'", drug.source
                )
    for drug_class in catalog.classes.values():
        alias = next((t for t in drug_class.aliases if _mentions(medication.drug_class, t)), None)
        if alias is not None and drug_class.id not in matches:
            matches[drug_class.id] = ClassMatch(
                drug_class.id, medication.name, f"recorded class '{alias}'", ""
            )
    return tuple(matches.values())
