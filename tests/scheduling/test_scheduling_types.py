"""Appointment types, the series rule and the data files they come from."""

from __future__ import annotations

import tomllib
from importlib.resources import files
from typing import Any

import pytest

from ketaclinic.scheduling import (
    SchedulingInputError,
    SeriesRule,
    consultation,
    default_series_rule,
    esketamine_visit,
    follow_up_call,
    infusion_visit,
    scheduling_policy,
)
from ketaclinic.scheduling.errors import SafetyLimitInputError


def _numbers_without_source(table: Any, path: str = "") -> list[str]:
    """Every number in a TOML document not inside a table that carries a ``source``."""
    missing = []
    if isinstance(table, dict):
        has_source = bool(table.get("source"))
        for key, value in table.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                if not has_source:
                    missing.append(f"{path}{key}")
            else:
                missing += _numbers_without_source(value, f"{path}{key}.")
    elif isinstance(table, list):
        for number, item in enumerate(table):
            if isinstance(item, int | float):
                continue  # e.g. weekdays = [0, 1]: indices, not clinical numbers
            missing += _numbers_without_source(item, f"{path}{number}.")
    return missing


@pytest.mark.parametrize("name", ["scheduling.toml", "demo_location.toml"])
def test_every_number_in_the_data_files_has_a_source_and_a_version(name: str) -> None:
    text = files("ketaclinic.scheduling").joinpath("data", name).read_text(encoding="utf-8")
    data = tomllib.loads(text)
    assert data["version"]
    assert _numbers_without_source(data) == []


def test_infusion_visit_is_preparation_infusion_and_recovery() -> None:
    visit = infusion_visit()
    assert [(p.name, p.duration_min) for p in visit.phases] == [
        ("preparation", 15),
        ("infusion", 40),
        ("recovery", 60),
    ]
    assert visit.duration_min == 115
    assert visit.needs_chair
    assert infusion_visit(infusion_min=60, recovery_min=30).duration_min == 105
    assert visit.version == scheduling_policy().version


def test_esketamine_keeps_at_least_two_hours_of_observation() -> None:
    assert esketamine_visit().duration_min == 15 + 15 + 120
    with pytest.raises(SafetyLimitInputError, match=r"^observation_min: 90 min is below"):
        esketamine_visit(observation_min=90)


def test_recovery_below_the_cited_minimum_is_a_safety_limit() -> None:
    with pytest.raises(SafetyLimitInputError, match=r"^recovery_min: 20 min"):
        infusion_visit(recovery_min=20)
    with pytest.raises(SchedulingInputError, match=r"^infusion_min"):
        infusion_visit(infusion_min=0)


def test_visits_without_a_chair() -> None:
    assert (consultation().duration_min, consultation().needs_chair) == (60, False)
    assert (follow_up_call().duration_min, follow_up_call().needs_chair) == (15, False)


def test_default_series_is_six_in_two_weeks() -> None:
    assert default_series_rule() == SeriesRule(6, 20.0, 120.0, 14.0)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((0, 20, 120), "count"),
        ((3, 0, 120), "min_spacing_h"),
        ((3, 48, 24), "max_spacing_h"),
        ((6, 48, 96, 7), "max_span_days"),
        ((3, float("nan"), 24), "min_spacing_h"),
    ],
)
def test_impossible_series_rules_are_refused(args: tuple[float, ...], field: str) -> None:
    with pytest.raises(SchedulingInputError, match=rf"^{field}:"):
        SeriesRule(*args)  # type: ignore[arg-type]
