"""What the screening needs to know about a patient, and reading it from JSON-like data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ketaclinic.core import DomainInputError, check_input, check_optional_input

from .allergies import Allergy, allergy_from_mapping, parse_allergy
from .conditions import known_condition_ids
from .medications import Medication

SEXES = ("female", "male", "other", "unknown")
VITAL_FIELDS = ("sbp_mm_hg", "dbp_mm_hg", "heart_rate_per_min", "resp_rate_per_min")
_TOP_LEVEL = {
    "allergies",
    "date_of_birth",
    "age_years",
    "sex",
    "weight_kg",
    "height_cm",
    "history_flags",
    "medications",
    "pregnant",
    "protocol_id",
    "vitals",
}
# "drug_class" and "dose_text" are accepted so that a patient record's medications fit as is.
_MEDICATION_KEYS = {"name", "class", "drug_class", "dose_text"}


@dataclass(frozen=True)
class Vitals:
    """The latest pre-infusion vitals; any may be missing."""

    sbp_mm_hg: float | None = None
    dbp_mm_hg: float | None = None
    heart_rate_per_min: float | None = None
    resp_rate_per_min: float | None = None


@dataclass(frozen=True)
class ScreeningInput:
    age_years: int
    sex: str
    weight_kg: float
    height_cm: float | None = None
    history_flags: frozenset[str] = frozenset()
    medications: tuple[Medication, ...] = ()
    pregnant: bool | None = None
    protocol_id: str | None = None
    vitals: Vitals | None = None
    allergies: tuple[Allergy, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.age_years, bool) or not isinstance(self.age_years, int):
            raise DomainInputError("age_years", "must be a whole number")
        check_input("age_years", self.age_years)
        if self.sex not in SEXES:
            raise DomainInputError("sex", f"must be one of {', '.join(SEXES)}")
        check_input("weight_kg", self.weight_kg)
        check_optional_input("height_cm", self.height_cm)
        unknown = sorted(set(self.history_flags) - known_condition_ids())
        if unknown:
            raise DomainInputError("history_flags", f"unknown condition(s): {', '.join(unknown)}")
        if self.pregnant is not None and not isinstance(self.pregnant, bool):
            raise DomainInputError("pregnant", "must be true, false or absent")
        if self.vitals is not None:
            for name in VITAL_FIELDS:
                check_optional_input(name, getattr(self.vitals, name), f"vitals.{name}")


def age_on(date_of_birth: date, on: date) -> int:
    """Age in whole years on a given day."""
    if date_of_birth > on:
        raise DomainInputError("date_of_birth", "is in the future")
    before_birthday = (on.month, on.day) < (date_of_birth.month, date_of_birth.day)
    return on.year - date_of_birth.year - before_birthday


def screening_input_from_mapping(data: Mapping[str, Any], today: date) -> ScreeningInput:
    """Read the patient JSON documented in docs/protocols-and-dosing.md; ``today`` dates the age."""
    if not isinstance(data, Mapping):
        raise DomainInputError("patient", "must be a JSON object")
    unknown = sorted(set(data) - _TOP_LEVEL)
    if unknown:
        raise DomainInputError(unknown[0], "is not a known field")
    return ScreeningInput(
        age_years=_age(data, today),
        sex=_text(data, "sex", "sex"),
        weight_kg=_number(data, "weight_kg", "weight_kg"),
        height_cm=_optional_number(data, "height_cm", "height_cm"),
        history_flags=frozenset(_text_list(data, "history_flags")),
        medications=tuple(_medications(data.get("medications", []))),
        pregnant=data.get("pregnant"),
        protocol_id=_optional_text(data, "protocol_id"),
        vitals=_vitals(data.get("vitals")),
        allergies=_allergies(data.get("allergies", [])),
    )


def _allergies(items: Any) -> tuple[Allergy, ...]:
    """Plain text ("Ketamine (anaphylaxis)") or {allergen, reaction?, severity?, text?}."""
    if not isinstance(items, list):
        raise DomainInputError("allergies", "must be a list of texts or objects")
    allergies = []
    for index, item in enumerate(items):
        try:
            if isinstance(item, str):
                allergies.append(parse_allergy(item))
            elif isinstance(item, Mapping):
                allergies.append(allergy_from_mapping(item))
            else:
                raise DomainInputError("", "must be text or an object")
        except DomainInputError as error:
            raise DomainInputError(f"allergies[{index}]", error.message) from None
    return tuple(allergies)


def _age(data: Mapping[str, Any], today: date) -> int:
    has_dob, has_age = "date_of_birth" in data, "age_years" in data
    if has_dob == has_age:
        raise DomainInputError("date_of_birth", "give exactly one of date_of_birth, age_years")
    if has_age:
        age = data["age_years"]
        if isinstance(age, bool) or not isinstance(age, int):
            raise DomainInputError("age_years", "must be a whole number")
        return age
    try:
        born = date.fromisoformat(_text(data, "date_of_birth", "date_of_birth"))
    except ValueError:
        raise DomainInputError("date_of_birth", "must be a date YYYY-MM-DD") from None
    return age_on(born, today)


def _text(data: Mapping[str, Any], key: str, field: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise DomainInputError(field, "must be non-empty text")
    return value.strip()


def _optional_text(data: Mapping[str, Any], key: str) -> str | None:
    return None if data.get(key) is None else _text(data, key, key)


def _number(data: Mapping[str, Any], key: str, field: str) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DomainInputError(field, "must be a number")
    return float(value)


def _optional_number(data: Mapping[str, Any], key: str, field: str) -> float | None:
    return None if data.get(key) is None else _number(data, key, field)


def _text_list(data: Mapping[str, Any], key: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise DomainInputError(key, "must be a list of texts")
    return value


def _medications(items: Any) -> list[Medication]:
    if not isinstance(items, list):
        raise DomainInputError("medications", "must be a list of {name, class?} objects")
    medications = []
    for index, item in enumerate(items):
        field = f"medications[{index}]"
        if not isinstance(item, Mapping):
            raise DomainInputError(field, "must be an object {name, class?}")
        unknown = sorted(set(item) - _MEDICATION_KEYS)
        if unknown:
            raise DomainInputError(f"{field}.{unknown[0]}", "is not a known field")
        if "class" in item and "drug_class" in item:
            raise DomainInputError(f"{field}.class", "give class or drug_class, not both")
        drug_class = item.get("class", item.get("drug_class")) or ""
        if not isinstance(drug_class, str):
            raise DomainInputError(f"{field}.class", "must be text")
        medications.append(Medication(_text(item, "name", f"{field}.name"), drug_class.strip()))
    return medications


def _vitals(data: Any) -> Vitals | None:
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise DomainInputError("vitals", "must be an object")
    unknown = sorted(set(data) - set(VITAL_FIELDS))
    if unknown:
        raise DomainInputError(f"vitals.{unknown[0]}", "is not a known field")
    return Vitals(**{name: _optional_number(data, name, f"vitals.{name}") for name in VITAL_FIELDS})
