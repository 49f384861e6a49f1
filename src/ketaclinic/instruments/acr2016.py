"""ACR 2016 fibromyalgia criteria: WPI, SSS, generalized pain, duration, severity score."""

from __future__ import annotations

from fractions import Fraction

from .answers import Answers
from .definitions import Acr2016Scoring, Definition, WpiSssRule
from .results import CriteriaResult, Parts


def score_acr2016(definition: Definition, scoring: Acr2016Scoring, answers: Answers) -> Parts:
    """Total is the fibromyalgia severity score WPI + SSS; criteria say met or why not."""
    wpi_items = scoring.wpi_items(definition.items)
    wpi = sum(answers.value(item.id) for item in wpi_items)
    sss = sum(answers.value(item.id) for item in scoring.sss_items(definition.items))
    counted = [item for item in wpi_items if item.id not in scoring.not_counted_for_regions]
    regions = sum(
        any(answers.value(item.id) for item in counted if item.group == group_id)
        for group_id in scoring.region_groups
    )
    duration = definition.item(scoring.duration_item)
    lasted = bool(answers.value(duration.id))

    rule = next(
        (r for r in scoring.rules if r.wpi_min <= wpi <= r.wpi_max and sss >= r.sss_min), None
    )
    excluded = ", ".join(
        definition.item(item_id).label.lower() for item_id in scoring.not_counted_for_regions
    )
    region_text = (
        f"pain in {regions} of {len(scoring.region_groups)} regions "
        f"(needs {scoring.regions_min}; {excluded} do not count toward regions)"
    )
    failures: list[str] = []
    if rule is None:
        options = "; or ".join(_describe(r, len(wpi_items)) for r in scoring.rules)
        failures.append(f"WPI {wpi} with SSS {sss} meets no score rule (needs {options})")
    if regions < scoring.regions_min:
        failures.append(f"generalized pain not met: {region_text}")
    if not lasted:
        failures.append(f"duration not met: '{duration.label}' answered no")
    reasons = tuple(failures)
    if rule is not None and not failures:
        reasons = (
            f"WPI {wpi} with SSS {sss} meets {_describe(rule, len(wpi_items))}",
            f"generalized pain met: {region_text}",
            f"duration met: '{duration.label}' answered yes",
        )
    criteria = CriteriaResult(
        code=definition.id,
        label=scoring.label,
        met=not failures,
        reasons=reasons,
        note=scoring.note,
    )
    return Parts(
        total=Fraction(wpi + sss),
        subscores={"wpi": Fraction(wpi), "sss": Fraction(sss), "regions": Fraction(regions)},
        criteria=criteria,
    )


def _describe(rule: WpiSssRule, wpi_max: int) -> str:
    wpi = (
        f"WPI ≥{rule.wpi_min}" if rule.wpi_max == wpi_max else f"WPI {rule.wpi_min}–{rule.wpi_max}"
    )
    return f"{wpi} with SSS ≥{rule.sss_min}"
