"""The session record in the clinic's words: the patient, the order and who prepared and
double-checked it, the timeline, vital signs (values outside the alert limits marked H or L),
scores, side effects, rescue drugs, alerts, the drug accounting, physician overrides, notes,
discharge and signature. ``record_text`` builds it once; the PDF and the print view show it.
Times are in the zone of the session's location."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from reportlab.platypus import Spacer

from ketaclinic.records.accounts.signatures import meaning_label
from ketaclinic.records.sessions.record import SessionRecord
from ketaclinic.sessions import (
    PHASE_LABELS,
    STEP_DONE_LABELS,
    VITAL_LABELS,
    VITAL_QUANTITIES,
    Command,
    Phase,
)

from .pdf import NOTICE, _p, _render, _table


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: Sequence[Sequence[str]]


@dataclass(frozen=True)
class Section:
    heading: str
    lines: list[str] = field(default_factory=list)
    table: Table | None = None


@dataclass(frozen=True)
class RecordText:
    title: str
    heading: list[str]
    sections: list[Section]
    notice: str = NOTICE


def _who(user: Any) -> str:
    return str(user.get_full_name() or user.get_username())


def _joined(*parts: str) -> str:
    return "; ".join(part for part in parts if part)


def _mg(value: Any) -> str:
    return f"{float(value):g}"


class _Clock:
    """Times in the location's zone: HH:MM on the session's day, with the date on another."""

    def __init__(self, zone: tzinfo, day: datetime) -> None:
        self.zone = zone
        self.day = day.astimezone(zone).date()

    def __call__(self, at: datetime | None) -> str:
        if at is None:
            return "—"
        local = at.astimezone(self.zone)
        return f"{local:%H:%M}" if local.date() == self.day else f"{local:%Y-%m-%d %H:%M}"


def _correction(row: Any, clock: _Clock) -> str:
    """What a flowsheet row says about its corrections."""
    return _joined(
        f"corrects the entry of {clock(row.amends.at)}: {row.amendment_reason}"
        if row.amends_id is not None
        else "",
        "corrected by a later entry" if row.is_amended else "",
    )


def record_text(record: SessionRecord, generated_at: datetime) -> RecordText:
    """The session record as headed sections of lines and tables, in words."""
    sheet = record.sheet
    session, patient = sheet.session, sheet.session.patient
    clock = _Clock(record.zone, session.created_at)
    allergies = "; ".join(a.describe() for a in record.allergies) or "none recorded"
    place = session.location.name + (f", {session.chair.name}" if session.chair else "")
    heading = [
        f"{patient.given_name} {patient.family_name} · MRN {patient.mrn} · born "
        f"{patient.date_of_birth:%Y-%m-%d}",
        f"Allergies: {allergies}",
        f"{clock.day:%Y-%m-%d} at {place} · {record.protocol_name} · {sheet.state_label}",
        f"Printed {generated_at.astimezone(record.zone):%Y-%m-%d %H:%M} "
        f"({session.location.time_zone})",
    ]
    sections = [
        _order(record, clock),
        _timeline(record, clock),
        _checklist(record, clock),
        _vitals(record, clock),
        _scores(record, clock),
        _side_effects(record, clock),
        _rescue(record, clock),
        _pump(record, clock),
        _alerts(record, clock),
        _accounting(record, clock),
        _overrides(record, clock),
        _notes(record, clock),
        _signature(record, clock),
    ]
    title = f"Session record — MRN {patient.mrn}, {clock.day:%Y-%m-%d}"
    return RecordText(title, heading, sections)


def _order(record: SessionRecord, clock: _Clock) -> Section:
    order = record.sheet.session.order
    lines = [
        f"Dose {_mg(order.dose_mg)} mg ({_mg(order.dose_mg_per_kg)} mg/kg, weight "
        f"{_mg(order.weight_kg)} kg)"
    ]
    if order.volume_ml is not None:
        lines.append(
            f"Volume {_mg(order.volume_ml)} mL at {_mg(order.rate_ml_per_h)} mL/h over "
            f"{_mg(order.duration_min)} min"
            + (
                f" ({_mg(order.concentration_mg_per_ml)} mg/mL)"
                if order.concentration_mg_per_ml
                else ""
            )
        )
    else:
        lines.append(f"Given over {_mg(order.duration_min)} min")
    prepared, checked = record.preparation, record.double_check
    lines.append(
        f"Prepared by {_who(prepared.prepared_by)} at {clock(prepared.prepared_at)}"
        if prepared
        else "Not prepared"
    )
    lines.append(
        f"Double-checked: signed ({meaning_label(checked.meaning)}) by "
        f"{_who(checked.verified_by)} at {clock(checked.verified_at)}"
        if checked
        else "Not double-checked"
    )
    sheet = record.sheet
    if sheet.volume_infused_ml is not None:
        lines.append(f"Volume infused {_mg(sheet.volume_infused_ml)} mL")
    if sheet.dose_given_mg is not None:
        lines.append(f"Dose given {_mg(sheet.dose_given_mg)} mg")
    lines += [f"End of the infusion checked: {problem}" for problem in sheet.end_problems]
    return Section("The order", lines)


def _timeline(record: SessionRecord, clock: _Clock) -> Section:
    """The steps in the order they happened (a step entered late is placed at its time)."""
    session = record.sheet.session
    steps = [(session.created_at, "Session opened", "", session.created_by)]
    steps += [
        (t.at, STEP_DONE_LABELS[Command(t.command)], t.reason, t.recorded_by)
        for t in record.sheet.transitions
    ]
    rows = [
        (clock(at), step, reason, _who(by))
        for at, step, reason, by in sorted(steps, key=lambda step: step[0])
    ]
    return Section("Timeline", table=Table(("time", "step", "reason", "by"), rows))


def _checklist(record: SessionRecord, clock: _Clock) -> Section:
    sheet = record.sheet
    weight = sheet.weight
    lines = [f"Weight today: {_mg(weight.weight_kg)} kg" if weight else "Weight today: not taken"]
    for screen in sheet.urinary_screens:
        found = [name for name, present in screen.symptoms.items() if present]
        lines.append(
            f"Urinary symptoms at {clock(screen.at)}: {', '.join(found) or 'none'}"
            + (f" ({screen.note})" if screen.note else "")
        )
    labels = record.confirmation_labels
    rows = [
        (clock(c.at), labels.get(c.kind, c.kind.replace("_", " ")), _who(c.recorded_by))
        for c in sheet.confirmations
    ]
    table = Table(("time", "confirmed", "by"), rows) if rows else None
    return Section("Checklist", lines, table)


def _vitals(record: SessionRecord, clock: _Clock) -> Section:
    sheet = record.sheet
    if not sheet.vitals:
        return Section("Vital signs", ["None recorded."])
    header = ("time", "phase", *(VITAL_LABELS[name] for name in VITAL_QUANTITIES), "by, notes")
    # ``flags`` (H or L per vital sign) is set on each row by the flowsheet read.
    rows = [
        (
            clock(v.at),
            PHASE_LABELS[Phase(v.phase)],
            *(
                f"{getattr(v, name)} {v.flags.get(name, '')}".strip()  # type: ignore[attr-defined]
                for name in VITAL_QUANTITIES
            ),
            _joined(
                _who(v.recorded_by),
                f"entered late: {v.late_reason}" if v.late_reason else "",
                _correction(v, clock),
            ),
        )
        for v in sheet.vitals
    ]
    key = "H: above the alert limit, L: below it (session rules)."
    return Section("Vital signs", [key], Table(header, rows))


def _scores(record: SessionRecord, clock: _Clock) -> Section:
    rows = []
    for score in record.sheet.scores:
        done = score.assessment
        total = "—" if done.total is None else f"{done.total:g}"
        if done.criteria:
            total += " · ready" if done.criteria.get("met") else " · not ready"
        rows.append(
            (
                clock(done.completed_at),
                record.instrument_titles.get(done.instrument_id, done.instrument_id),
                PHASE_LABELS[Phase(score.phase)],
                total,
                "corrected later" if score.is_amended else "",  # type: ignore[attr-defined]
            )
        )
    if not rows:
        return Section("Scores", ["None recorded."])
    return Section("Scores", table=Table(("time", "instrument", "phase", "total", ""), rows))


def _side_effects(record: SessionRecord, clock: _Clock) -> Section:
    rows = [
        (
            clock(e.at),
            e.kind.replace("_", " "),
            e.severity,
            _joined(e.note, _who(e.recorded_by), _correction(e, clock)),
        )
        for e in record.sheet.side_effects
    ]
    if not rows:
        return Section("Side effects", ["None recorded."])
    return Section("Side effects", table=Table(("time", "side effect", "severity", "note"), rows))


def _rescue(record: SessionRecord, clock: _Clock) -> Section:
    orders = record.prn_orders
    rows = []
    for given in record.sheet.rescue_medications:
        prn = orders.get(given.prn_order_id) if given.prn_order_id else None
        against = f"{prn.drug} {_mg(prn.dose_mg)} mg as needed: {prn.indication}" if prn else "—"
        rows.append(
            (
                clock(given.at),
                given.drug,
                f"{_mg(given.dose_mg)} mg",
                given.get_route_display(),
                against,
                _joined(
                    f"above the ordered dose: {given.limit_reason}" if given.limit_reason else "",
                    given.note,
                    _who(given.recorded_by),
                    _correction(given, clock),
                ),
            )
        )
    if not rows:
        return Section("Rescue drugs", ["None given."])
    header = ("time", "drug", "dose", "route", "PRN order", "notes")
    return Section("Rescue drugs", table=Table(header, rows))


def _pump(record: SessionRecord, clock: _Clock) -> Section:
    rows = []
    for e in record.sheet.pump_events:
        setting = [
            f"{_mg(e.rate_ml_per_h)} mL/h" if e.rate_ml_per_h else "",
            f"to infuse {_mg(e.vtbi_ml)} mL" if e.vtbi_ml else "",
            f"infused {_mg(e.volume_infused_ml)} mL" if e.volume_infused_ml is not None else "",
        ]
        rows.append(
            (
                clock(e.at),
                e.get_kind_display(),
                ", ".join(p for p in setting if p),
                _joined(e.reason, _who(e.recorded_by), _correction(e, clock)),
            )
        )
    if not rows:
        return Section("Pump", ["No pump used or nothing recorded."])
    return Section("Pump", table=Table(("time", "pump", "setting", "notes"), rows))


def _alerts(record: SessionRecord, clock: _Clock) -> Section:
    rows = []
    for alert in reversed(record.sheet.alerts):
        seen = getattr(alert, "acknowledgement", None)
        rows.append(
            (
                clock(alert.raised_at),
                alert.get_severity_display(),
                alert.message,
                f"{_who(seen.acknowledged_by)} at {clock(seen.acknowledged_at)}: {seen.note}"
                if seen
                else "not acknowledged",
            )
        )
    if not rows:
        return Section("Alerts", ["None raised."])
    return Section("Alerts", table=Table(("time", "severity", "alert", "acknowledged"), rows))


def _accounting(record: SessionRecord, clock: _Clock) -> Section:
    sheet = record.sheet
    supply = sheet.supply
    lines = []
    if supply.waiver:
        waiver = supply.waiver
        lines.append(
            f"No draw from the ledger: {waiver.reason} ({_who(waiver.recorded_by)}, "
            f"{clock(waiver.recorded_at)})"
        )
    elif not supply.draws:
        lines.append("Nothing drawn from the ledger for this session.")
    if sheet.ledger:
        lines.append(
            f"Dose given and waste posted to the controlled-substance ledger by "
            f"{_who(sheet.ledger.posted_by)} at {clock(sheet.ledger.posted_at)}."
        )
    rows = [
        (
            clock(d.draw.occurred_at),
            f"{d.draw.lot.product.name}, lot {d.draw.lot.lot_number}",
            _mg(d.account.drawn_mg),
            _mg(d.account.given_mg),
            _mg(d.account.wasted_mg),
            _mg(d.account.left_mg),
        )
        for d in supply.draws
    ]
    header = ("drawn at", "product", "drawn mg", "given mg", "wasted mg", "still to account mg")
    return Section("Drug accounting", lines, Table(header, rows) if rows else None)


def _overrides(record: SessionRecord, clock: _Clock) -> Section:
    rows = [
        (
            clock(o.signed_at),
            record.gate_labels.get(o.gate, o.gate),
            o.reason,
            f"{_who(o.signed_by)} ({meaning_label(o.meaning)})",
            o.blocked,
        )
        for o in record.sheet.overrides
    ]
    if not rows:
        return Section("Physician overrides", ["None."])
    header = ("time", "step allowed past", "physician's reason", "signed by", "it had said")
    return Section("Physician overrides", table=Table(header, rows))


def _notes(record: SessionRecord, clock: _Clock) -> Section:
    lines = [
        f"{clock(n.at)} {n.text} ({_joined(_who(n.recorded_by), _correction(n, clock))})"
        for n in record.sheet.notes
    ]
    return Section("Notes", lines or ["None."])


def _signature(record: SessionRecord, clock: _Clock) -> Section:
    sheet = record.sheet
    discharged = [t for t in sheet.transitions if t.command == Command.DISCHARGE]
    lines = [f"Discharged at {clock(t.at)} by {_who(t.recorded_by)}" for t in discharged] or [
        "Not discharged."
    ]
    signed = sheet.signature
    lines.append(
        f"Signed ({meaning_label(signed.meaning)}) by {_who(signed.signed_by)} at "
        f"{clock(signed.signed_at)}; corrections after "
        "it are amendments, shown beside the entry they correct."
        if signed
        else "Not signed yet."
    )
    return Section("Discharge and signature", lines)


def session_record_pdf(record: SessionRecord, generated_at: datetime) -> bytes:
    """The session record as a PDF."""
    text = record_text(record, generated_at)
    story: list[Any] = [_p("Session record", "Title")]
    story += [_p(line) for line in text.heading]
    story.append(_p(text.notice, "small"))
    for section in text.sections:
        story.append(_p(section.heading, "Heading2"))
        story += [_p(line) for line in section.lines]
        if section.table:
            story += [_table([section.table.header, *section.table.rows]), Spacer(1, 4)]
    return _render(text.title, story)
