"""``score``: answers in, total, subscores, band, validity, criteria and alerts out."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from .acr2016 import score_acr2016
from .answers import Answers, read_answers
from .definitions import (
    Band,
    Definition,
    DomainScoring,
    SumScoring,
    as_number,
)
from .domains import score_domains
from .registry import Registry, default_registry
from .results import Alert, Parts, ScoreResult
from .sums import score_sum


def score(
    instrument_id: str, answers: Mapping[str, object], registry: Registry | None = None
) -> ScoreResult:
    """Score ``answers`` (keyed by item id) with the active definition of ``instrument_id``.

    Raises InstrumentError naming the instrument or item for unknown ids, answers of the
    wrong type or out of range, and missing answers the definition does not allow.
    """
    definition = (registry or default_registry()).get(instrument_id)
    return score_definition(definition, answers)


def score_definition(definition: Definition, answers: Mapping[str, object]) -> ScoreResult:
    """Score ``answers`` with a given definition (e.g. the version stored with a record)."""
    checked = read_answers(definition, answers)
    parts = _parts(definition, checked)
    valid = not parts.invalid_reasons
    band = band_for(definition.bands, parts.total) if valid and parts.total is not None else None
    return ScoreResult(
        instrument=definition.id,
        version=definition.version,
        total=None if parts.total is None else as_number(parts.total),
        subscores={
            name: None if value is None else as_number(value)
            for name, value in parts.subscores.items()
        },
        band=band,
        valid=valid,
        invalid_reasons=parts.invalid_reasons,
        criteria=parts.criteria,
        alerts=_item_alerts(definition, checked) + _band_alerts(definition, band, parts.total),
        answers=checked.values,
    )


def band_for(bands: tuple[Band, ...], total: Fraction | int) -> Band | None:
    """The band whose range holds ``total``; a fractional total belongs to the band below
    the next band's minimum (FIQR 23.5 is still 0–23)."""
    chosen = None
    for band in bands:
        if total >= band.min:
            chosen = band
    return chosen


def _parts(definition: Definition, answers: Answers) -> Parts:
    scoring = definition.scoring
    if isinstance(scoring, SumScoring):
        return score_sum(definition, scoring, answers)
    if isinstance(scoring, DomainScoring):
        return score_domains(definition, scoring, answers)
    return score_acr2016(definition, scoring, answers)


def _item_alerts(definition: Definition, answers: Answers) -> tuple[Alert, ...]:
    """Item rules fire on any answered item, even when the questionnaire is invalid."""
    alerts = []
    for rule in definition.alerts:
        value = answers.values[rule.item]
        if value is not None and value > rule.above:
            item = definition.item(rule.item)
            alerts.append(
                Alert(
                    code=rule.code,
                    message=f"{rule.message} (item {item.number or item.id} answered {value})",
                    severity=rule.severity,
                    item=rule.item,
                )
            )
    return tuple(alerts)


def _band_alerts(
    definition: Definition, band: Band | None, total: Fraction | None
) -> tuple[Alert, ...]:
    if band is None or not band.urgent or total is None:
        return ()
    message = f"{definition.title} total {as_number(total)} is in the urgent band '{band.label}'"
    return (Alert(code=f"{definition.id}_band_{band.code}", message=message, severity="urgent"),)
