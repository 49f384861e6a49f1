"""Recording the flowsheet: vital signs, side effects, rescue medications, pump rate changes,
notes and the urinary screen (``record_*``), and correcting any of them by amendment.

Each kind of entry is one ``EntryKind``: its input, its row and how a row is built (with the
alerts it raises). Recording and amending share one path: authorize, validate (an impossible
value is refused naming its field), then one transaction holding the session's lock, the row,
its alerts and the audit entry. A refused attempt writes nothing and is audited as failed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.alerts.models import Alert
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, FieldError, InvalidInput, NotFound
from ketaclinic.records.patients.signals import outcome_changed
from ketaclinic.records.toolkit import attempt
from ketaclinic.sessions import (
    VITAL_QUANTITIES,
    Finding,
    Phase,
    State,
    plausibility_problems,
    session_rules,
    side_effect_findings,
    urinary_findings,
    vitals_findings,
)

from .common import Locked, authorize_session, locked, raise_findings
from .inputs import (
    AmendmentIn,
    NoteIn,
    PumpRateIn,
    RescueMedicationIn,
    SideEffectIn,
    UrinaryScreenIn,
    VitalsIn,
    VolumeInfusedIn,
    validate,
)
from .lifecycle import uses_pump
from .models import (
    URINARY_SYMPTOMS,
    Entry,
    Note,
    PumpEvent,
    PumpEventKind,
    RescueMedication,
    SessionAlert,
    SideEffect,
    UrinaryScreen,
    VitalSigns,
)
from .rescue import checked_prn_order
from .scores import record_linked_score

Build = Callable[[Locked, Actor, Any, dict[str, Any]], tuple[Entry, list[Finding]]]


@dataclass(frozen=True)
class EntryKind:
    what: str
    schema: type[BaseModel]
    model: type[Entry]
    build: Build
    only: Mapping[str, str] | None = None
    """Which rows of ``model`` are of this kind (for amendments)."""


@dataclass(frozen=True)
class Recorded:
    """The row written and the alerts it raised."""

    entry: Entry
    alerts: list[Alert]


def _vitals(ctx: Locked, actor: Actor, fields: VitalsIn, row: dict[str, Any]) -> Any:
    values = fields.model_dump(include=set(VITAL_QUANTITIES))
    phase = ctx.phase_at(row["at"], "vital signs")
    rules = session_rules()
    late = rules.late_reason_after_min
    late_reason = fields.late_reason.strip()
    if (
        row["amends"] is None
        and not late_reason
        and ctx.now - row["at"] > timedelta(minutes=late.value)
    ):
        raise InvalidInput.single(
            "late_reason",
            f"the set was taken more than {late.value:g} min ago: say why it is entered late "
            f"({late.source})",
        )
    before = (
        VitalSigns.objects.current()
        .filter(session=ctx.session, phase=Phase.PRE_INFUSION)
        .order_by("-at", "-id")
        .first()
    )
    baseline = {name: getattr(before, name) for name in VITAL_QUANTITIES} if before else None
    vitals = VitalSigns.objects.create(**row, phase=phase, late_reason=late_reason, **values)
    return vitals, vitals_findings(values, phase, rules, baseline)


def _side_effect(ctx: Locked, actor: Actor, fields: SideEffectIn, row: dict[str, Any]) -> Any:
    phase = ctx.phase_at(row["at"], "a side effect")
    if fields.kind == "other" and not fields.note.strip():
        raise InvalidInput.single("note", "describe the side effect")
    if fields.cadss6 is not None and fields.kind != "dissociation":
        raise InvalidInput.single("cadss6", "is scored only with dissociation")
    effect = SideEffect.objects.create(
        **row, kind=fields.kind, severity=fields.severity, note=fields.note.strip()
    )
    findings = side_effect_findings(fields.kind, fields.severity, session_rules())
    if fields.cadss6 is not None and row["amends"] is None:
        record_linked_score(actor, ctx, "cadss6", fields.cadss6, row["at"], phase)
    return effect, findings


def _rescue(ctx: Locked, actor: Actor, fields: RescueMedicationIn, row: dict[str, Any]) -> Any:
    ctx.phase_at(row["at"], "a rescue medication")
    prn = checked_prn_order(ctx.session, fields, row["amends"])
    given = RescueMedication.objects.create(
        **row,
        prn_order=prn,
        drug=prn.drug,
        dose_mg=fields.dose_mg,
        route=prn.route,
        limit_reason=fields.limit_reason.strip(),
        note=fields.note.strip(),
    )
    return given, []


def _pump(ctx: Locked, actor: Actor, fields: PumpRateIn, row: dict[str, Any]) -> Any:
    session = ctx.session
    if not uses_pump(session):
        raise Conflict(f"session {session.pk} has no pump: its route is {session.route}")
    if ctx.timeline.state_at(row["at"]) not in (State.INFUSING, State.PAUSED):
        raise Conflict("the pump rate changes only while the infusion runs or is paused")
    ordered = session.order.rate_ml_per_h
    if ordered is not None and fields.rate_ml_per_h > ordered * (1 + 1e-9):
        raise InvalidInput.single(
            "rate_ml_per_h",
            f"{fields.rate_ml_per_h:g} is above the ordered rate ({ordered:g} mL/h): a "
            "physician changes the order",
        )
    change = PumpEvent.objects.create(
        **row,
        kind=PumpEventKind.RATE_CHANGE,
        rate_ml_per_h=fields.rate_ml_per_h,
        reason=fields.reason.strip(),
    )
    return change, []


def _volume_infused(ctx: Locked, actor: Actor, fields: VolumeInfusedIn, row: dict[str, Any]) -> Any:
    prepared = ctx.session.order.volume_ml
    if prepared is not None and fields.volume_infused_ml > prepared * (1 + 1e-9):
        raise InvalidInput.single(
            "volume_infused_ml",
            f"{fields.volume_infused_ml:g} is more than the prepared volume ({prepared:g})",
        )
    end = PumpEvent.objects.create(
        **row, kind=PumpEventKind.END, volume_infused_ml=fields.volume_infused_ml
    )
    return end, []


def _note(ctx: Locked, actor: Actor, fields: NoteIn, row: dict[str, Any]) -> Any:
    return Note.objects.create(**row, text=fields.text.strip()), []


def _urinary(ctx: Locked, actor: Actor, fields: UrinaryScreenIn, row: dict[str, Any]) -> Any:
    if ctx.phase_at(row["at"], "the urinary screen") != Phase.PRE_INFUSION:
        raise Conflict("the urinary screen is asked before the infusion")
    symptoms = {name: getattr(fields, name) for name in URINARY_SYMPTOMS}
    screen = UrinaryScreen.objects.create(**row, **symptoms, note=fields.note.strip())
    return screen, urinary_findings(symptoms, session_rules())


ENTRY_KINDS: dict[str, EntryKind] = {
    "vitals": EntryKind("vital signs", VitalsIn, VitalSigns, _vitals),
    "side_effects": EntryKind("a side effect", SideEffectIn, SideEffect, _side_effect),
    "rescue_medications": EntryKind(
        "a rescue medication", RescueMedicationIn, RescueMedication, _rescue
    ),
    "pump": EntryKind("a pump rate change", PumpRateIn, PumpEvent, _pump),
    "notes": EntryKind("a note", NoteIn, Note, _note),
    "urinary_screen": EntryKind("the urinary screen", UrinaryScreenIn, UrinaryScreen, _urinary),
    # Recorded when the infusion ends or stops (``lifecycle.transition``); amended here.
    "volume_infused": EntryKind(
        "the volume infused", VolumeInfusedIn, PumpEvent, _volume_infused, {"kind": "end"}
    ),
}
# A rate change is what the pump was set to: a wrong rate is corrected by a new change.
AMENDABLE = frozenset(ENTRY_KINDS) - {"pump"}


def record_vitals(actor: Actor, session_id: int, data: Mapping[str, Any]) -> Recorded:
    """A full set of vital signs; an impossible value is refused as a typo, an alarming one
    is kept and raises an alert with the suggested action."""
    return _write(actor, session_id, "vitals", data)


def record_side_effect(actor: Actor, session_id: int, data: Mapping[str, Any]) -> Recorded:
    """A side effect and its severity; dissociation may carry its CADSS-6 answers."""
    if not (isinstance(data, Mapping) and data.get("cadss6") is not None):
        return _write(actor, session_id, "side_effects", data)
    patient_id = authorize_session(actor, Action.SESSION_RECORD, session_id)
    authorize(actor, Action.ASSESSMENT_RECORD, patient_id=patient_id)
    return _write(actor, session_id, "side_effects", data, patient_id=patient_id)


def record_rescue_medication(actor: Actor, session_id: int, data: Mapping[str, Any]) -> Recorded:
    return _write(actor, session_id, "rescue_medications", data)


def change_pump_rate(actor: Actor, session_id: int, data: Mapping[str, Any]) -> Recorded:
    """A new rate, at most the ordered one, with the reason."""
    return _write(actor, session_id, "pump", data)


def add_note(actor: Actor, session_id: int, data: Mapping[str, Any]) -> Recorded:
    return _write(actor, session_id, "notes", data)


def record_urinary_screen(actor: Actor, session_id: int, data: Mapping[str, Any]) -> Recorded:
    """Urinary symptoms before a repeat infusion; any symptom raises an alert."""
    return _write(actor, session_id, "urinary_screen", data)


def amend_entry(
    actor: Actor, session_id: int, kind: str, entry_id: int, data: Mapping[str, Any]
) -> Recorded:
    """Correct an entry, signed or not: a new row with the full corrected values, pointing at
    the current version of the entry, with the reason; the original stays as it was."""
    if kind not in AMENDABLE:
        raise NotFound(f"no entries of kind {kind!r} can be amended")
    return _write(actor, session_id, kind, data, amends_id=entry_id)


def _write(
    actor: Actor,
    session_id: int,
    kind: str,
    data: Mapping[str, Any],
    *,
    amends_id: int | None = None,
    patient_id: int | None = None,
) -> Recorded:
    spec = ENTRY_KINDS[kind]
    action = Action.SESSION_AMEND if amends_id is not None else Action.SESSION_RECORD
    if patient_id is None:
        patient_id = authorize_session(actor, action, session_id)
    with attempt(actor, action, what=kind, patient_id=patient_id):
        reason = ""
        if amends_id is not None:
            amendment = validate(AmendmentIn, data)
            data, reason = {"at": None, **amendment.values}, amendment.reason.strip()
        fields = validate(spec.schema, data)
        if kind == "vitals":
            _refuse_impossible(fields.model_dump(include=set(VITAL_QUANTITIES)))
        amending = amends_id is not None
        with locked(session_id, what=spec.what, final_allowed=amending) as ctx:
            original = _original(spec, ctx, amends_id) if amends_id is not None else None
            at = _when(ctx, fields.at, original)  # type: ignore[attr-defined]
            row = {
                "session": ctx.session,
                "at": at,
                "recorded_by": actor.user,
                "amends": original,
                "amendment_reason": reason,
            }
            entry, findings = spec.build(ctx, actor, fields, row)
            if original is not None:
                findings = _not_raised_before(original, findings)
            alerts = raise_findings(actor, ctx.session, entry, findings)
            if amending:
                outcome_changed(patient_id)
            ctx.record(
                actor,
                action,
                entry,
                kind,
                amends=amends_id,
                reason=reason,
                alerts=[alert.code for alert in alerts],
            )
    return Recorded(entry, alerts)


def _refuse_impossible(values: Mapping[str, Any]) -> None:
    problems = plausibility_problems(values, session_rules())
    if problems:
        raise InvalidInput([FieldError(p.field, p.message) for p in problems])


def _when(ctx: Locked, given: datetime | None, original: Entry | None) -> datetime:
    """An amendment keeps the original's time unless corrected (never in the future)."""
    if original is None:
        return ctx.moment(given)
    at = given or original.at
    if at > ctx.now:
        raise InvalidInput.single("at", "cannot be in the future")
    return at


def _original(spec: EntryKind, ctx: Locked, entry_id: int) -> Entry:
    """The entry to correct, locked; only its current version can be amended."""
    model: Any = spec.model  # django-stubs cannot resolve lookups on the abstract base
    rows = model.objects.select_for_update().filter(session=ctx.session, **(spec.only or {}))
    found = rows.filter(pk=entry_id).first()
    if found is None:
        raise NotFound(f"{spec.what} {entry_id} is not in session {ctx.session.pk}")
    if model.objects.filter(amends_id=found.pk).exists():
        raise Conflict(f"{spec.what} {entry_id} has already been amended: amend the current one")
    return found


def _not_raised_before(original: Entry, findings: list[Finding]) -> list[Finding]:
    """An amendment raises only the alerts its original did not."""
    raised = set(
        SessionAlert.objects.filter(
            alert__source_type=original._meta.label_lower, alert__source_id=str(original.pk)
        ).values_list("alert__code", flat=True)
    )
    return [finding for finding in findings if finding.code not in raised]
