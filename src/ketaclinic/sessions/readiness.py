"""Whether a session may move on: the pre-infusion checks and the discharge criteria.

Each function returns the gaps (what is missing, named by the field a face shows it beside);
an empty list means ready.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ketaclinic.core import Sourced

from .rules import Confirmation, SessionRules


@dataclass(frozen=True)
class Gap:
    field: str
    message: str


@dataclass(frozen=True)
class PreCheckFacts:
    sex: str
    weighed_today: bool
    weight_recheck: tuple[str, ...]
    """Why today's weight does not fit the order's (empty when it does)."""
    has_vitals: bool
    instruments_done: frozenset[str]
    confirmations: frozenset[str]
    repeat_infusion: bool
    urinary_screened: bool


@dataclass(frozen=True)
class DischargeFacts:
    now: datetime
    infusion_ended_at: datetime | None
    observation: Sourced
    aldrete_total: float | None
    """The latest Modified Aldrete total after the infusion ended (None: not scored yet)."""
    aldrete_ready: bool
    """Whether that score meets the instrument's discharge criterion."""
    instruments_done: frozenset[str]
    confirmations: frozenset[str]
    open_alerts: int


def required_confirmations(
    confirmations: tuple[Confirmation, ...], sex: str
) -> tuple[Confirmation, ...]:
    return tuple(item for item in confirmations if item.applies_to(sex))


def _unscored(
    instruments: tuple[str, ...], done: frozenset[str], when: str, source: str
) -> list[Gap]:
    """A gap per instrument to score ``when`` ("before" or "after") the infusion."""
    return [
        Gap("scores", f"record {instrument} {when} the infusion ({source})")
        for instrument in instruments
        if instrument not in done
    ]


def _unconfirmed(items: tuple[Confirmation, ...], done: frozenset[str]) -> list[Gap]:
    return [
        Gap(f"confirmations.{item.kind}", f"confirm: {item.label} ({item.source})")
        for item in items
        if item.kind not in done
    ]


def pre_check_gaps(facts: PreCheckFacts, rules: SessionRules) -> list[Gap]:
    """What is missing before the pre-infusion checks are done."""
    pre = rules.pre_checks
    gaps = []
    if not facts.weighed_today:
        gaps.append(Gap("weight_kg", f"weigh the patient today ({pre.weight_source})"))
    gaps += [
        Gap("weight_kg", f"{reason}: the order needs re-checking before this infusion")
        for reason in facts.weight_recheck
    ]
    if not facts.has_vitals:
        gaps.append(Gap("vitals", "record a set of vital signs before the infusion"))
    gaps += _unscored(pre.instruments, facts.instruments_done, "before", pre.instruments_source)
    gaps += _unconfirmed(required_confirmations(pre.confirmations, facts.sex), facts.confirmations)
    if facts.repeat_infusion and not facts.urinary_screened:
        gaps.append(Gap("urinary_screen", f"screen urinary symptoms ({pre.urinary_screen_source})"))
    return gaps


def discharge_gaps(facts: DischargeFacts, rules: SessionRules) -> list[Gap]:
    """What is missing before the patient may be discharged."""
    rule = rules.discharge
    gaps = []
    if facts.infusion_ended_at is None:
        gaps.append(Gap("state", "the infusion has not ended"))
    else:
        ready_at = facts.infusion_ended_at + timedelta(minutes=facts.observation.value)
        if facts.now < ready_at:
            left = (ready_at - facts.now).total_seconds() / 60
            gaps.append(
                Gap(
                    "observation",
                    f"observe {facts.observation.value:g} min after the infusion "
                    f"({facts.observation.source}): {left:.0f} min to go",
                )
            )
    if facts.aldrete_total is None:
        gaps.append(
            Gap("aldrete", f"score the Modified Aldrete after the infusion ({rule.aldrete_source})")
        )
    elif not facts.aldrete_ready:
        gaps.append(
            Gap(
                "aldrete",
                f"the latest Modified Aldrete ({facts.aldrete_total:g}) does not meet the "
                f"discharge criterion ({rule.aldrete_source})",
            )
        )
    gaps += _unscored(rule.instruments, facts.instruments_done, "after", rule.instruments_source)
    gaps += _unconfirmed(rule.confirmations, facts.confirmations)
    if facts.open_alerts:
        gaps.append(
            Gap(
                "alerts",
                f"{facts.open_alerts} alert(s) of this session are not acknowledged "
                f"({rule.alerts_acknowledged_source})",
            )
        )
    return gaps
