"""FHIR search over one patient's resources: the parameters the server supports, how each is
read (tokens ``system|code``, dates with ``ge``/``le``… prefixes, references ``Patient/3``),
which resources match, and the pages of a searchset with its ``self``/``next`` links.

A parameter the server does not support is an error naming it, unless the client asked for
lenient handling (``Prefer: handling=lenient``); then it is ignored and left out of the
``self`` link, which says what the search really was (FHIR R4 3.1.1.5.7).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from ketaclinic.core import DomainInputError

Resource = dict[str, Any]
DEFAULT_COUNT = 50
MAX_COUNT = 500
PAGING = ("_count", "_offset")
IGNORED = ("_format",)  # always JSON here


@dataclass(frozen=True)
class Parameter:
    """A search parameter as the CapabilityStatement lists it."""

    name: str
    type: str
    documentation: str


PATIENT_PARAMETERS = (
    Parameter("patient", "reference", "The patient: an id or Patient/<id>."),
    Parameter("subject", "reference", "The same as patient."),
)
DATE = Parameter(
    "date",
    "date",
    "When (effective, recorded, authored, start or performed time; a period by its start); "
    "prefixes eq, ge, gt, le, lt; a date without a time zone is UTC.",
)
SEARCHES: dict[str, tuple[Parameter, ...]] = {
    "Patient": (
        Parameter("identifier", "token", "The medical record number: system|value or value."),
    ),
    "Observation": (
        *PATIENT_PARAMETERS,
        Parameter("category", "token", "survey, vital-signs, laboratory… (system|code)."),
        Parameter("code", "token", "LOINC or local code (system|code); commas mean 'or'."),
        DATE,
    ),
    "Condition": (
        *PATIENT_PARAMETERS,
        Parameter("category", "token", "problem-list-item, encounter-diagnosis…"),
        Parameter("code", "token", "ICD-10-CM or SNOMED CT code (system|code)."),
    ),
    "QuestionnaireResponse": (*PATIENT_PARAMETERS, DATE),
    "MedicationAdministration": (
        *PATIENT_PARAMETERS,
        Parameter("code", "token", "The drug."),
        DATE,
    ),
    "Appointment": (*PATIENT_PARAMETERS, DATE),
    "Encounter": (*PATIENT_PARAMETERS, DATE),
    "Procedure": (
        *PATIENT_PARAMETERS,
        Parameter("code", "token", "SNOMED CT or local code (system|code)."),
        DATE,
    ),
}
_DATE_FIELDS = (
    "effectiveDateTime",
    "effectivePeriod",
    "recordedDate",
    "authored",
    "start",
    "period",
    "performedPeriod",
)
_PREFIXES = ("eq", "ge", "gt", "le", "lt")
_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class SearchError(DomainInputError):
    """A search the server cannot answer; ``field`` names the parameter."""


@dataclass(frozen=True)
class Token:
    """``system|code``, ``|code`` (no system), ``code`` (any system) or ``system|`` (any code)."""

    system: str | None
    code: str | None

    @classmethod
    def read(cls, text: str) -> Token:
        if "|" not in text:
            return cls(None, text)
        system, code = text.split("|", 1)
        return cls(system, code or None)

    def matches(self, coding: Mapping[str, Any], key: str = "code") -> bool:
        """Whether a Coding (or, with ``key="value"``, an Identifier) matches."""
        if self.system is not None and coding.get("system", "") != self.system:
            return False
        return self.code is None or coding.get(key) == self.code

    def text(self) -> str:
        return self.code or "" if self.system is None else f"{self.system}|{self.code or ''}"


@dataclass(frozen=True)
class DateBound:
    """One ``date`` value: a prefix and the span its precision covers."""

    prefix: str
    start: datetime
    end: datetime
    text: str

    @classmethod
    def read(cls, text: str) -> DateBound:
        prefix, value = (text[:2], text[2:]) if text[:2] in _PREFIXES else ("eq", text)
        start, end = _span(value)
        return cls(prefix, start, end, text)

    def admits(self, moment: datetime) -> bool:
        return {
            "eq": self.start <= moment < self.end,
            "ge": moment >= self.start,
            "gt": moment >= self.end,
            "le": moment < self.end,
            "lt": moment < self.start,
        }[self.prefix]


def _span(value: str) -> tuple[datetime, datetime]:
    """The instants a date of this precision covers: a year, a month, a day or an instant."""
    try:
        if _PARTIAL_DATE.match(value):
            parts = [int(part) for part in value.split("-")]
            year, month, day = [*parts, 1, 1][:3]
            start = datetime(year, month, day, tzinfo=UTC)
            if len(parts) == 1:
                return start, start.replace(year=start.year + 1)
            if len(parts) == 2:
                following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
                return start, datetime.combine(following, datetime.min.time(), UTC)
            return start, start + timedelta(days=1)
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise SearchError("date", f"{value!r} is not a FHIR date or dateTime") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment, moment + timedelta(seconds=1)


@dataclass(frozen=True)
class Search:
    """A search of one resource type, read from the query's parameters."""

    resource_type: str
    patient_id: int | None = None
    identifier: Token | None = None
    categories: tuple[tuple[Token, ...], ...] = ()
    codes: tuple[tuple[Token, ...], ...] = ()
    dates: tuple[DateBound, ...] = ()
    count: int = DEFAULT_COUNT
    offset: int = 0
    ignored: tuple[str, ...] = field(default=())

    def matches(self, resource: Resource) -> bool:
        if resource.get("resourceType") != self.resource_type:
            return False
        if self.identifier and not any(
            self.identifier.matches(identifier, key="value")
            for identifier in resource.get("identifier", [])
        ):
            return False
        concepts = resource.get("category", [])
        if not all(_any_coding(concepts, tokens) for tokens in self.categories):
            return False
        code = [resource.get("code") or resource.get("medicationCodeableConcept") or {}]
        if not all(_any_coding(code, tokens) for tokens in self.codes):
            return False
        moment = _moment(resource)
        return all(moment is not None and bound.admits(moment) for bound in self.dates)

    def query(self, offset: int | None = None) -> str:
        """The parameters this search used, as a query string (for its links)."""
        pairs: list[tuple[str, str]] = []
        if self.patient_id is not None:
            pairs.append(("patient", str(self.patient_id)))
        if self.identifier is not None:
            pairs.append(("identifier", self.identifier.text()))
        pairs += [("category", ",".join(t.text() for t in tokens)) for tokens in self.categories]
        pairs += [("code", ",".join(t.text() for t in tokens)) for tokens in self.codes]
        pairs += [("date", bound.text) for bound in self.dates]
        pairs += [
            ("_count", str(self.count)),
            ("_offset", str(self.offset if offset is None else offset)),
        ]
        return urlencode(pairs, safe="|,:/")


def _any_coding(concepts: Iterable[Mapping[str, Any]], tokens: Sequence[Token]) -> bool:
    return any(
        token.matches(coding)
        for concept in concepts
        for coding in concept.get("coding", [])
        for token in tokens
    )


def _moment(resource: Resource) -> datetime | None:
    for name in _DATE_FIELDS:
        value = resource.get(name)
        if isinstance(value, dict):
            value = value.get("start")
        if value:
            text = str(value)
            return _span(text)[0] if _PARTIAL_DATE.match(text) else datetime.fromisoformat(text)
    return None


def read_search(
    resource_type: str, parameters: Sequence[tuple[str, str]], *, lenient: bool = False
) -> Search:
    """The search these query parameters ask for; ``SearchError`` naming the first parameter
    that is not supported (unless ``lenient``) or not understood."""
    supported = {parameter.name for parameter in SEARCHES[resource_type]}
    found: dict[str, Any] = {"categories": [], "codes": [], "dates": []}
    ignored: list[str] = []
    for name, value in parameters:
        if name in IGNORED:
            continue
        if name not in supported and name not in PAGING:
            if not lenient:
                raise SearchError(name, f"is not a supported search parameter of {resource_type}")
            ignored.append(name)
            continue
        if not value:
            raise SearchError(name, "has no value")
        _read_one(name, value, found)
    if "patient" in supported and found.get("patient_id") is None:
        raise SearchError("patient", "is required: this server searches one patient's record")
    if resource_type == "Patient" and getattr(found.get("identifier"), "code", None) is None:
        raise SearchError("identifier", "is required to search patients: [system|]MRN")
    return Search(
        resource_type,
        patient_id=found.get("patient_id"),
        identifier=found.get("identifier"),
        categories=tuple(found["categories"]),
        codes=tuple(found["codes"]),
        dates=tuple(found["dates"]),
        count=found.get("count", DEFAULT_COUNT),
        offset=found.get("offset", 0),
        ignored=tuple(ignored),
    )


def _read_one(name: str, value: str, found: dict[str, Any]) -> None:
    if name in ("patient", "subject"):
        reference = value.removeprefix("Patient/")
        if not reference.isdigit():
            raise SearchError(name, f"{value!r} is not a patient id or Patient/<id> reference")
        found["patient_id"] = int(reference)
    elif name == "identifier":
        found["identifier"] = Token.read(value)
    elif name in ("category", "code"):
        found["categories" if name == "category" else "codes"].append(
            tuple(Token.read(part) for part in value.split(","))
        )
    elif name == "date":
        found["dates"].append(DateBound.read(value))
    else:
        number = _whole(name, value)
        if name == "_count" and not 1 <= number <= MAX_COUNT:
            raise SearchError(name, f"must be from 1 to {MAX_COUNT}")
        found["count" if name == "_count" else "offset"] = number


def _whole(name: str, value: str) -> int:
    if not value.isdigit():
        raise SearchError(name, f"{value!r} is not a whole number")
    return int(value)


@dataclass(frozen=True)
class SearchPage:
    """One page of matches: the resources and the links to this page and the next."""

    resources: list[Resource]
    total: int
    links: list[dict[str, str]]


def search_page(resources: Iterable[Resource], search: Search, url: str) -> SearchPage:
    """The page of ``resources`` matching ``search``; ``url`` is the search's own address."""
    matching = [resource for resource in resources if search.matches(resource)]
    page = matching[search.offset : search.offset + search.count]
    links = [{"relation": "self", "url": f"{url}?{search.query()}"}]
    if search.offset + search.count < len(matching):
        links.append(
            {"relation": "next", "url": f"{url}?{search.query(search.offset + search.count)}"}
        )
    if search.offset:
        previous = max(search.offset - search.count, 0)
        links.append({"relation": "previous", "url": f"{url}?{search.query(previous)}"})
    return SearchPage(page, len(matching), links)
