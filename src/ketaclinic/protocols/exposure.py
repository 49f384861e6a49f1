"""Cumulative exposure over a rolling 12 months (data/exposure.toml): sessions and total mg,
each with a soft limit (a physician's reason needed to go on) and a hard limit (stop)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any, Literal

from ketaclinic.core import DomainInputError, Sourced, load_toml, read_sourced, read_text

from .catalog import protocol_ids

Level = Literal["within", "soft", "hard"]


@dataclass(frozen=True)
class SoftHard:
    soft: float
    hard: float
    source: str


@dataclass(frozen=True)
class ExposureLimits:
    protocol_id: str
    sessions: SoftHard
    total_mg: SoftHard


@dataclass(frozen=True)
class ExposureCheck:
    """Exposure including a planned session: the worst level reached and why."""

    sessions: int
    total_mg: float
    level: Level
    reasons: tuple[str, ...]


def _soft_hard(table: Mapping[str, Any], key: str, where: str) -> SoftHard:
    """``<key>_soft`` and ``<key>_hard``, each ``{value, source}``, with 0 < soft <= hard."""
    soft = read_sourced(table, f"{key}_soft", where)
    hard = read_sourced(table, f"{key}_hard", where)
    if not 0 < soft.value <= hard.value:
        raise DomainInputError(f"{where}.{key}_soft", f"needs 0 < {key}_soft <= {key}_hard")
    sources = dict.fromkeys([soft.source, hard.source])
    return SoftHard(soft.value, hard.value, "; ".join(sources))


@cache
def _exposure_data() -> tuple[Sourced, Mapping[str, ExposureLimits]]:
    data = load_toml(__package__, "exposure.toml")
    limits = {}
    for item in data.get("limit", []):
        where = f"exposure.limit.{item.get('protocol', '?')}"
        protocol_id = read_text(item, "protocol", where)
        if protocol_id not in protocol_ids():
            raise DomainInputError(f"{where}.protocol", "names no protocol")
        limits[protocol_id] = ExposureLimits(
            protocol_id, _soft_hard(item, "sessions", where), _soft_hard(item, "total_mg", where)
        )
    return read_sourced(data, "window_days", "exposure"), limits


def exposure_window() -> Sourced:
    return _exposure_data()[0]


def exposure_limits(protocol_id: str) -> ExposureLimits:
    """The protocol's limits; every packaged protocol has them (a test checks it)."""
    limits = _exposure_data()[1].get(protocol_id)
    if limits is None:
        raise DomainInputError("protocol", f"no exposure limits for {protocol_id!r}")
    return limits


def check_exposure(
    protocol_id: str, given: Iterable[tuple[date, float]], on: date, planned_mg: float
) -> ExposureCheck:
    """Sessions and mg in the rolling window ending on ``on``, counting the planned session.

    ``given`` holds (day, mg) of earlier sessions; those outside the window are ignored."""
    limits = exposure_limits(protocol_id)
    window = exposure_window()
    start = on - timedelta(days=int(window.value) - 1)
    within = [mg for day, mg in given if start <= day <= on]
    sessions = len(within) + 1
    total_mg = sum(within) + planned_mg
    level: Level = "within"
    reasons = []
    for label, amount, bound, unit in (
        ("sessions", float(sessions), limits.sessions, ""),
        ("total dose", total_mg, limits.total_mg, " mg"),
    ):
        if amount > bound.hard:
            level = "hard"
            reasons.append(
                f"{label} {amount:g}{unit} in {window.value:g} days would pass the hard limit "
                f"{bound.hard:g}{unit} ({bound.source})"
            )
        elif amount > bound.soft:
            level = "hard" if level == "hard" else "soft"
            reasons.append(
                f"{label} {amount:g}{unit} in {window.value:g} days would pass the soft limit "
                f"{bound.soft:g}{unit} ({bound.source}): a physician's reason is needed"
            )
    return ExposureCheck(sessions, round(total_mg, 3), level, tuple(reasons))
