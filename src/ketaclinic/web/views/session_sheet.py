"""The flowsheet's views of a session in the clinic's words: the time × parameter grid (values
outside an alert limit flagged H or L), the trend chart, the administration record, the
timeline as sentences and the next step as one sentence."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ketaclinic.records.sessions import reads
from ketaclinic.records.sessions.record import instrument_title
from ketaclinic.sessions import (
    COMMAND_LABELS,
    PHASE_LABELS,
    STEP_DONE_LABELS,
    VITAL_QUANTITIES,
    Command,
    Phase,
    Point,
    SessionRules,
    chart_limits,
    vitals_svg,
)

# Grid rows' short names, as a nurse reads them down the side of a chart.
ROW_LABELS = {
    "sbp_mm_hg": "Systolic BP (mm Hg)",
    "dbp_mm_hg": "Diastolic BP (mm Hg)",
    "heart_rate_per_min": "Heart rate (/min)",
    "spo2_percent": "SpO2 (%)",
    "resp_rate_per_min": "Resp. rate (/min)",
}
PHASE_SHORT = {Phase.PRE_INFUSION: "before", Phase.DURING_INFUSION: "during"}
TITLES = {"physician": "Dr", "nurse": "Nurse"}


def person(user: Any) -> str:
    """A person as the clinic names them: "Nurse Ana Ruiz", "Dr Kim Lee"."""
    name = str(user.get_full_name() or user.get_username())
    title = TITLES.get(getattr(user, "role", ""), "")
    return f"{title} {name}" if title else name


@dataclass(frozen=True)
class Cell:
    text: str = ""
    flag: str = ""
    """"H" above an alert limit, "L" below it, "" within."""

    @property
    def flag_word(self) -> str:
        return {"H": "high", "L": "low"}.get(self.flag, "")


@dataclass(frozen=True)
class GridRow:
    label: str
    limits: str
    cells: list[Cell]


@dataclass(frozen=True)
class Grid:
    times: list[datetime]
    phases: list[str]
    rows: list[GridRow]

    @property
    def columns(self) -> list[tuple[datetime, str]]:
        return list(zip(self.times, self.phases, strict=True))


def limit_words(quantity: str, rules: SessionRules) -> str:
    """A vital sign's alert limits in words, low before high and those of one phase last:
    "< 90 · > 180 · > 140 before the infusion"."""
    every = frozenset(Phase) - {Phase.PRE_INFUSION}
    parts = []
    for rule in rules.vitals:
        if rule.quantity != quantity:
            continue
        text = f"{'>' if rule.direction == 'above' else '<'} {rule.threshold.value:g}"
        partial = not every <= rule.phases
        if partial:
            text += " " + " and ".join(PHASE_LABELS[p] for p in Phase if p in rule.phases)
        parts.append(((partial, rule.direction == "above", rule.threshold.value), text))
    return " · ".join(text for _, text in sorted(parts))


def _minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


def vitals_grid(sheet: reads.Flowsheet, rules: SessionRules) -> Grid:
    """Columns: the reading times (vital signs and scores, to the minute); rows: each vital
    sign, then each score the session recorded."""
    vitals = {_minute(row.at): row for row in sheet.current_vitals}
    scores = [s for s in sheet.scores if not getattr(s, "is_amended", False)]
    by_instrument: dict[str, dict[datetime, Any]] = {}
    for score in scores:
        at = _minute(score.assessment.completed_at)
        by_instrument.setdefault(score.assessment.instrument_id, {})[at] = score
    times = sorted({*vitals, *(at for found in by_instrument.values() for at in found)})
    phases = []
    for at in times:
        row = vitals.get(at)
        phase = row.phase if row else _score_phase(by_instrument, at)
        phases.append(PHASE_SHORT.get(Phase(phase), "after") if phase else "")
    rows = [
        GridRow(
            ROW_LABELS[name],
            limit_words(name, rules),
            [
                Cell(str(getattr(vitals[at], name)), _flags(vitals[at]).get(name, ""))
                if at in vitals
                else Cell()
                for at in times
            ],
        )
        for name in VITAL_QUANTITIES
    ]
    rows += [
        GridRow(
            instrument_title(instrument),
            "",
            [_score_cell(found.get(at)) for at in times],
        )
        for instrument, found in by_instrument.items()
    ]
    return Grid(times, phases, rows)


def _flags(row: Any) -> dict[str, str]:
    """The H/L flags the flowsheet read set on a row of vital signs."""
    flags: dict[str, str] = getattr(row, "flags", {})
    return flags


def _score_phase(by_instrument: dict[str, dict[datetime, Any]], at: datetime) -> str:
    return next((found[at].phase for found in by_instrument.values() if at in found), "")


def _score_cell(score: Any) -> Cell:
    if score is None:
        return Cell()
    total = score.assessment.total
    return Cell("—" if total is None else f"{total:g}")


def name_scores(sheet: reads.Flowsheet) -> None:
    """Give each score ``title``: its instrument's name."""
    for score in sheet.scores:
        score.title = instrument_title(score.assessment.instrument_id)  # type: ignore[attr-defined]


def chart(sheet: reads.Flowsheet, rules: SessionRules) -> str:
    """The trend chart of the current vital signs with the alert limits drawn; empty with
    fewer than two sets."""
    rows = sheet.current_vitals
    if len(rows) < 2:
        return ""
    first = rows[0].at
    points = [
        Point(
            minute=(row.at - first).total_seconds() / 60,
            values={name: float(getattr(row, name)) for name in VITAL_QUANTITIES},
        )
        for row in rows
    ]
    return vitals_svg(points, limits=chart_limits(rules))


@dataclass(frozen=True)
class Administered:
    at: datetime
    what: str
    detail: str
    by: str


def administration(sheet: reads.Flowsheet) -> list[Administered]:
    """The ketamine pump's record (start, rate changes, end) and every rescue drug, in time
    order; a corrected entry is left out (its correction is shown)."""
    rows = [
        Administered(event.at, _pump_what(event), _pump_detail(event), person(event.recorded_by))
        for event in sheet.pump_events
        if not getattr(event, "is_amended", False)
    ]
    rows += [
        Administered(
            given.at,
            f"{given.drug} (rescue)",
            f"{given.dose_mg:g} mg {given.get_route_display().lower()}"
            + (f"; above the ordered dose: {given.limit_reason}" if given.limit_reason else "")
            + (f"; {given.note}" if given.note else ""),
            person(given.recorded_by),
        )
        for given in sheet.rescue_medications
        if not getattr(given, "is_amended", False)
    ]
    return sorted(rows, key=lambda row: row.at)


def _pump_what(event: Any) -> str:
    return {
        "start": "Ketamine infusion started",
        "rate_change": "Pump rate changed",
        "end": "Ketamine infusion ended",
    }.get(event.kind, event.get_kind_display())


def _pump_detail(event: Any) -> str:
    parts = []
    if event.rate_ml_per_h:
        parts.append(f"{event.rate_ml_per_h:g} mL/h")
    if event.vtbi_ml:
        parts.append(f"volume to be infused {event.vtbi_ml:g} mL")
    if event.volume_infused_ml is not None:
        parts.append(f"{event.volume_infused_ml:g} mL infused")
    if event.reason:
        parts.append(event.reason)
    return "; ".join(parts)


def rescue_totals(sheet: reads.Flowsheet) -> list[str]:
    """Each rescue drug's total in the session: "Ondansetron 8 mg in all"."""
    totals: dict[str, float] = {}
    for given in sheet.rescue_medications:
        if not getattr(given, "is_amended", False):
            totals[given.drug] = totals.get(given.drug, 0.0) + given.dose_mg
    return [f"{drug} {total:g} mg in all" for drug, total in totals.items()]


@dataclass(frozen=True)
class Event:
    at: datetime
    what: str
    who: str
    reason: str


def timeline(sheet: reads.Flowsheet) -> list[Event]:
    """The steps in the order they were taken, as the clinic says them: "Pre-infusion checks
    done by Nurse Ana Ruiz"."""
    opened = Event(sheet.session.created_at, "Session opened", person(sheet.session.created_by), "")
    steps = [
        Event(t.at, STEP_DONE_LABELS[Command(t.command)], person(t.recorded_by), t.reason)
        for t in sheet.transitions
    ]
    return [opened, *steps]  # opened first even when the steps were charted with earlier times


def confirmed(sheet: reads.Flowsheet, rules: SessionRules) -> list[tuple[Any, str, str]]:
    """Each checklist item confirmed: the row, its text and who confirmed it."""
    labels = {item.kind: item.label for item in rules.confirmations}
    return [
        (row, labels.get(row.kind, row.kind.replace("_", " ")), person(row.recorded_by))
        for row in sheet.confirmations
    ]


def _sources(rules: SessionRules) -> list[str]:
    """Every source the readiness rules append to a message, longest first."""
    pre, discharge = rules.pre_checks, rules.discharge
    found = {
        pre.weight_source,
        pre.instruments_source,
        pre.urinary_screen_source,
        discharge.instruments_source,
        discharge.aldrete_source,
        *(item.source for item in rules.confirmations),
    }
    return sorted((source for source in found if source), key=len, reverse=True)


def without_rule(text: str) -> str:
    """An alert's message without its rule's source: "… (rule: … (scirp) […])" cut out."""
    start = text.find(" (rule: ")
    if start < 0:
        return text
    depth = 0
    for end in range(start + 1, len(text)):
        depth += {"(": 1, ")": -1}.get(text[end], 0)
        if depth == 0:
            return without_rule(text[:start] + text[end + 1 :])
    return text[:start]


def plain(text: str, rules: SessionRules, instruments: Iterable[str] = ()) -> str:
    """A rule's message for people: its sources left out (they are behind "Why?") and
    instrument names for their codes."""
    text = without_rule(text)
    for source in _sources(rules):
        text = text.replace(f" ({source})", "")
    text = re.sub(r"\s*\[[^\]]*\.md[^\]]*\]", "", text)
    for instrument in instruments:
        text = re.sub(rf"\b{re.escape(instrument)}\b", instrument_title(instrument), text)
    return text


def next_step(sheet: reads.Flowsheet, rules: SessionRules, instruments: Iterable[str] = ()) -> str:
    """What to do next, in one sentence."""
    if sheet.signature:
        return "The record is signed: corrections are amendments."
    aside = (Command.CANCEL, Command.STOP_EARLY, Command.PAUSE)
    forward = [command for command in sheet.commands if command not in aside]
    wanted = list(
        dict.fromkeys(
            plain(message, rules, instruments)
            for message in [gap.message for gap in sheet.gaps]
            + [blocker.message for blocker in sheet.blockers]
        )
    )
    if wanted:
        first = wanted[0][0].upper() + wanted[0][1:]
        more = len(wanted) - 1
        return f"{first}" + (f" (and {more} more, listed below)." if more else ".")
    if forward:
        return f"Next: {COMMAND_LABELS[forward[0]]}."
    if sheet.state in ("discharged", "cancelled"):
        return "Sign the session record."
    return "Nothing more to do."
