"""Instrument definitions as immutable values: what a form shows and what scoring reads."""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    computed_field,
    model_validator,
)

from .errors import InstrumentError

Identifier = Annotated[str, Field(strict=True, pattern=r"^[a-z][a-z0-9_]*$")]
Text = Annotated[str, Field(strict=True, min_length=1)]
OptionalText = Annotated[str, Field(strict=True)]
Severity = Literal["info", "warning", "urgent"]
Number = int | float


def as_number(value: Fraction | int) -> Number:
    """An exact score as JSON-friendly output: an int when whole, else rounded to 2 decimals."""
    fraction = Fraction(value)
    if fraction.denominator == 1:
        return int(fraction)
    return round(float(fraction), 2)


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Anchor(Frozen):
    """One labelled answer value; data files may write it as ``[value, "label"]``."""

    value: StrictInt
    label: Text

    @model_validator(mode="before")
    @classmethod
    def _from_pair(cls, data: Any) -> Any:
        if isinstance(data, list | tuple) and len(data) == 2:
            return {"value": data[0], "label": data[1]}
        return data


class AnswerScale(Frozen):
    """The answers an item accepts: whole numbers from ``min`` to ``max``, or yes/no as 1/0."""

    kind: Literal["integer", "boolean"] = "integer"
    min: StrictInt
    max: StrictInt
    anchors: tuple[Anchor, ...] = ()
    source: Text

    @model_validator(mode="after")
    def _check(self) -> AnswerScale:
        if self.min >= self.max:
            raise ValueError(f"min {self.min} must be below max {self.max}")
        if self.kind == "boolean" and (self.min, self.max) != (0, 1):
            raise ValueError("a boolean scale runs from 0 (no) to 1 (yes)")
        values = [anchor.value for anchor in self.anchors]
        if len(set(values)) != len(values):
            raise ValueError("anchor values repeat")
        outside = [value for value in values if not self.min <= value <= self.max]
        if outside:
            raise ValueError(f"anchor values {outside} lie outside {self.min}–{self.max}")
        return self


class Coding(Frozen):
    """A code for a total or an item (LOINC where one exists, else a local code)."""

    system: Text
    code: Text
    display: OptionalText = ""
    status: Literal["confirmed", "unconfirmed", "local"]
    source: Text


class Group(Frozen):
    """A domain, body region or section that items belong to."""

    id: Identifier
    label: Text
    kind: Literal["domain", "region", "section"]
    help: OptionalText = ""


class Item(Frozen):
    id: Identifier
    number: OptionalText = Field(default="", description="The source's own item number, if any.")
    label: Text
    help: OptionalText = ""
    group: Identifier | None = None
    answer: AnswerScale
    codes: tuple[Coding, ...] = Field(min_length=1)


class Band(Frozen):
    """A severity band over the total, inclusive ``min``..``max``."""

    code: Identifier
    label: Text
    min: StrictInt
    max: StrictInt
    urgent: StrictBool = False
    source: Text

    @model_validator(mode="after")
    def _check(self) -> Band:
        if self.min > self.max:
            raise ValueError(f"band {self.code}: min {self.min} above max {self.max}")
        return self


class MissingRules(Frozen):
    """``required``: every item must be answered; ``prorate``: per-domain limits in scoring."""

    policy: Literal["required", "prorate"]
    multiple_answers_invalid_at: Annotated[int, Field(strict=True, ge=1)] | None = None
    source: Text


class AlertRule(Frozen):
    """Raise an alert when ``item`` is answered above ``above``, whatever the total."""

    code: Identifier
    item: Identifier
    above: StrictInt
    severity: Severity
    message: Text
    source: Text


class Wording(Frozen):
    """Whether item labels are the source's own (``original``) or written for this project."""

    status: Literal["original", "project"]
    note: Text


class ThresholdRule(Frozen):
    total_min: StrictInt
    item_min: dict[Identifier, StrictInt] = Field(default_factory=dict)


class ThresholdCriteria(Frozen):
    """A yes/no result met when any one rule holds (e.g. discharge readiness)."""

    code: Identifier
    label: Text
    rules: tuple[ThresholdRule, ...] = Field(min_length=1)
    note: OptionalText = ""
    source: Text


class SumScoring(Frozen):
    """Total = sum of the item answers."""

    method: Literal["sum"]
    source: Text
    criteria: ThresholdCriteria | None = None

    def total_range(self, items: tuple[Item, ...]) -> tuple[Fraction, Fraction]:
        return (
            Fraction(sum(item.answer.min for item in items)),
            Fraction(sum(item.answer.max for item in items)),
        )

    def check(self, definition: Definition) -> None:
        if self.criteria is None:
            return
        for rule in self.criteria.rules:
            for item_id in rule.item_min:
                definition.item(item_id)


class DomainRule(Frozen):
    divisor: Annotated[int, Field(strict=True, ge=1)]
    max_missing: Annotated[int, Field(strict=True, ge=0)]


class DomainScoring(Frozen):
    """Total = sum over domains of (domain sum, prorated over answered items) / divisor."""

    method: Literal["weighted_domains"]
    source: Text
    domains: dict[Identifier, DomainRule]

    def total_range(self, items: tuple[Item, ...]) -> tuple[Fraction, Fraction]:
        low = high = Fraction(0)
        for group_id, rule in self.domains.items():
            members = [item for item in items if item.group == group_id]
            low += Fraction(sum(item.answer.min for item in members), rule.divisor)
            high += Fraction(sum(item.answer.max for item in members), rule.divisor)
        return low, high

    def check(self, definition: Definition) -> None:
        grouped = {item.group or "(none)" for item in definition.items}
        group_ids = {group.id for group in definition.groups}
        if not grouped == group_ids == set(self.domains):
            raise ValueError(
                f"scoring.domains {sorted(self.domains)} must name exactly the groups "
                f"{sorted(group_ids)}, and every item must belong to one"
            )
        for group_id, rule in self.domains.items():
            size = len(definition.group_items(group_id))
            if rule.max_missing >= size:
                raise ValueError(f"scoring.domains.{group_id}.max_missing must be below {size}")


class WpiSssRule(Frozen):
    """ACR score rule: WPI within ``wpi_min``..``wpi_max`` and SSS at least ``sss_min``."""

    wpi_min: StrictInt
    wpi_max: StrictInt
    sss_min: StrictInt


class Acr2016Scoring(Frozen):
    """ACR 2016 fibromyalgia criteria; total = WPI + SSS (the fibromyalgia severity score)."""

    method: Literal["acr2016"]
    source: Text
    region_groups: tuple[Identifier, ...] = Field(min_length=1)
    severity_group: Identifier
    duration_item: Identifier
    not_counted_for_regions: tuple[Identifier, ...] = ()
    regions_min: StrictInt
    rules: tuple[WpiSssRule, ...] = Field(min_length=1)
    label: Text
    note: OptionalText = ""

    def wpi_items(self, items: Iterable[Item]) -> tuple[Item, ...]:
        return tuple(item for item in items if item.group in self.region_groups)

    def sss_items(self, items: Iterable[Item]) -> tuple[Item, ...]:
        return tuple(item for item in items if item.group == self.severity_group)

    def total_range(self, items: tuple[Item, ...]) -> tuple[Fraction, Fraction]:
        scored = self.wpi_items(items) + self.sss_items(items)
        return (
            Fraction(sum(item.answer.min for item in scored)),
            Fraction(sum(item.answer.max for item in scored)),
        )

    def check(self, definition: Definition) -> None:
        group_ids = {group.id for group in definition.groups}
        for group_id in (*self.region_groups, self.severity_group):
            if group_id not in group_ids:
                raise ValueError(f"scoring names unknown group {group_id!r}")
        wpi = self.wpi_items(definition.items)
        if any(item.answer.kind != "boolean" for item in wpi):
            raise ValueError("every WPI area (items in region_groups) must be a yes/no item")
        if definition.item(self.duration_item).answer.kind != "boolean":
            raise ValueError(f"duration item {self.duration_item!r} must be a yes/no item")
        wpi_ids = {item.id for item in wpi}
        strays = [item_id for item_id in self.not_counted_for_regions if item_id not in wpi_ids]
        if strays:
            raise ValueError(f"not_counted_for_regions names non-WPI items {strays}")
        if not 1 <= self.regions_min <= len(self.region_groups):
            raise ValueError(f"regions_min must be between 1 and {len(self.region_groups)}")
        for rule in self.rules:
            if not 0 <= rule.wpi_min <= rule.wpi_max <= len(wpi):
                raise ValueError(f"rule WPI {rule.wpi_min}–{rule.wpi_max} outside 0–{len(wpi)}")


Scoring = Annotated[SumScoring | DomainScoring | Acr2016Scoring, Field(discriminator="method")]


class Definition(Frozen):
    """One instrument, version-stamped: items in the source's order, scoring, bands, alerts."""

    id: Identifier
    version: Text
    title: Text
    description: OptionalText = ""
    instructions: OptionalText = ""
    recall_period: Text
    respondent: Literal["patient", "clinician"]
    direction: Literal["higher_is_worse", "higher_is_better"]
    source: Text
    wording: Wording
    codes: tuple[Coding, ...] = Field(min_length=1)
    panel_codes: tuple[Coding, ...] = ()
    groups: tuple[Group, ...] = ()
    items: tuple[Item, ...] = Field(min_length=1)
    missing: MissingRules
    scoring: Scoring
    bands: tuple[Band, ...] = ()
    alerts: tuple[AlertRule, ...] = ()

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total_min(self) -> Number:
        return as_number(self.scoring.total_range(self.items)[0])

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total_max(self) -> Number:
        return as_number(self.scoring.total_range(self.items)[1])

    def item(self, item_id: str) -> Item:
        """The item called ``item_id``; InstrumentError when there is none."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise InstrumentError(item_id, f"unknown item for instrument {self.id}")

    def group_items(self, group_id: str) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.group == group_id)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form: every field, with ``items`` as a list of objects in source order."""
        return self.model_dump(mode="json")

    @model_validator(mode="after")
    def _check(self) -> Definition:
        _unique("item", [item.id for item in self.items])
        _unique("group", [group.id for group in self.groups])
        _unique("band", [band.code for band in self.bands])
        group_ids = {group.id for group in self.groups}
        for item in self.items:
            if item.group is not None and item.group not in group_ids:
                raise ValueError(f"item {item.id} names unknown group {item.group!r}")
        for rule in self.alerts:
            scale = self.item(rule.item).answer
            if not scale.min <= rule.above < scale.max:
                raise ValueError(f"alert {rule.code}: above={rule.above} can never fire")
        if self.missing.policy == "prorate" and not isinstance(self.scoring, DomainScoring):
            raise ValueError("missing.policy 'prorate' needs scoring.method 'weighted_domains'")
        if (
            self.missing.multiple_answers_invalid_at is not None
            and self.missing.policy != "prorate"
        ):
            raise ValueError("multiple_answers_invalid_at applies only with policy 'prorate'")
        self.scoring.check(self)
        self._check_bands()
        return self

    def _check_bands(self) -> None:
        """Bands must run in order, without gaps, from the lowest to the highest total."""
        if not self.bands:
            return
        low, high = self.scoring.total_range(self.items)
        if self.bands[0].min != low or self.bands[-1].max != high:
            raise ValueError(f"bands must cover the total range {as_number(low)}–{as_number(high)}")
        for before, after in zip(self.bands, self.bands[1:], strict=False):
            if after.min != before.max + 1:
                raise ValueError(f"band {after.code} must start at {before.max + 1}")


class Bundle(Frozen):
    """Instruments asked together, in order (e.g. the baseline intake)."""

    id: Identifier
    version: Text
    title: Text
    description: OptionalText = ""
    instruments: tuple[Identifier, ...] = Field(min_length=1)
    source: Text

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def _unique(kind: str, ids: list[str]) -> None:
    repeated = sorted({value for value in ids if ids.count(value) > 1})
    if repeated:
        raise ValueError(f"{kind} ids repeat: {repeated}")
