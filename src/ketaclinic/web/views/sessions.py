"""The nurse's flowsheet: one page for a session from check-in to discharge, with a form for
every action. Each form posts to ``session_action``; a refused entry re-renders the flowsheet
with the error beside its form (422 bad input, 409 a clash with the session's state) and
nothing written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_time
from django.views.decorators.http import require_POST

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import may
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.plans.orders import order_status
from ketaclinic.records.sessions import (
    checklist,
    flowsheet,
    ledger,
    lifecycle,
    lookups,
    overrides,
    reads,
    scores,
    signing,
    supply,
    titration,
)
from ketaclinic.records.sessions.choices import URINARY_SYMPTOMS
from ketaclinic.records.sessions.gates import Blocked
from ketaclinic.records.sessions.record import protocol_name
from ketaclinic.sessions import (
    COMMAND_LABELS,
    NEEDS_REASON,
    SIDE_EFFECT_KINDS,
    SIDE_EFFECT_SEVERITIES,
    STEP_DONE_LABELS,
    VITAL_LABELS,
    VITAL_QUANTITIES,
    Command,
    required_confirmations,
    session_rules,
)

from ..forms import SIGNER_FIELDS, field_errors, posted
from ..instrument_forms import answers_from_post
from ..labels import field_label
from . import session_sheet
from .assessments import definition_or_404, form_context
from .common import actor, service_view


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "number"  # number, decimal, text, select, checkbox, textarea
    choices: tuple[str, ...] = ()


# The fields of each amendable entry, for its correction form.
AMEND_FIELDS: dict[str, tuple[Field, ...]] = {
    "vitals": tuple(Field(name, VITAL_LABELS[name]) for name in VITAL_QUANTITIES),
    "side_effects": (
        Field("kind", "Side effect", "select", SIDE_EFFECT_KINDS),
        Field("severity", "Severity", "select", SIDE_EFFECT_SEVERITIES),
        Field("note", "Note", "text"),
    ),
    "rescue_medications": (
        Field("prn_order_id", "PRN order number", "number"),
        Field("dose_mg", "Dose (mg)", "decimal"),
        Field("limit_reason", "Reason for a dose above the ordered one", "text"),
        Field("note", "Note", "text"),
    ),
    "notes": (Field("text", "Note", "textarea"),),
    "urinary_screen": (
        *(Field(name, name.capitalize(), "checkbox") for name in URINARY_SYMPTOMS),
        Field("note", "Note", "text"),
    ),
    "volume_infused": (Field("volume_infused_ml", "Volume infused (mL)", "decimal"),),
}
CHECKBOXES = frozenset(URINARY_SYMPTOMS)


def _fields(request: HttpRequest, names: tuple[str, ...], zone: ZoneInfo) -> dict[str, Any]:
    """The named fields as the services take them: blanks left out (so a missing one is
    named), ticked boxes true and unticked false, a clock time (``at_time``, e.g. for a late
    entry) as today's moment in the location's zone."""
    data: dict[str, Any] = posted(request, *(name for name in names if name not in CHECKBOXES))
    data.update({name: name in request.POST for name in names if name in CHECKBOXES})
    if clock := str(request.POST.get("at_time", "")).strip():
        data["at"] = _today_at(clock, zone)
    return data


def _today_at(text: str, zone: ZoneInfo) -> Any:
    clock = parse_time(text.strip())
    if clock is None:
        return text  # the service names ``at`` as not a time
    return datetime.combine(timezone.localtime(timezone.now(), zone).date(), clock, tzinfo=zone)


Handler = Callable[[Actor, int, HttpRequest, ZoneInfo], object]


def _posting(service: Callable[[Actor, int, dict[str, Any]], object], *names: str) -> Handler:
    """A handler posting the form's ``names`` to a flowsheet service."""

    def handle(who: Actor, session_id: int, request: HttpRequest, zone: ZoneInfo) -> object:
        return service(who, session_id, _fields(request, names, zone))

    return handle


# Where each kind of missing record is made: the flowsheet section a refusal links to.
SECTION_OF = {
    "vitals": "vitals",
    "alerts": "alerts",
    "confirm": "confirm",
    "score": "score",
    "scores": "score",
    "aldrete": "score",
    "weight_kg": "weight",
    "urinary_screen": "urinary",
    "observation": "transition",
    "state": "transition",
}


# Field names the services use, as this screen's forms label them.
FIELD_LABELS = {
    "confirm": "Confirmation",
    "reason": "Reason",
    "at": "Time",
    "at_time": "Time",
    "late_reason": "Why entered late",
    "rate_ml_per_h": "Pump rate (mL/h)",
    "vtbi_ml": "Volume to be infused (mL)",
    "volume_infused_ml": "Volume infused (mL)",
    "weight_kg": "Weight (kg)",
    "dose_mg": "Dose (mg)",
    "prn_order_id": "PRN order",
    "limit_reason": "Reason for a dose above the ordered one",
    "kind": "Kind",
    "severity": "Severity",
    "note": "Note",
    "text": "Note",
    "command": "Step",
    "gate": "Gate",
    "storage_id": "Storage",
    "lot_id": "Lot",
    "volume_ml": "Volume (mL)",
    "draw_id": "Draw",
    "witness_username": "Witness username",
    "witness_password": "Witness password",
    "password": "Password",
    "otp": "Authenticator code",
    **VITAL_LABELS,
}


def _field_label(name: str) -> str:
    """A field as this screen's forms label it; a nested one (``values.sbp_mm_hg``) by its
    last part; any other in the words every form uses (``web/labels.py``)."""
    return FIELD_LABELS.get(name.rsplit(".", 1)[-1]) or field_label(name)


def _section(field: str) -> str:
    return SECTION_OF.get(field.split(".")[0], "confirm" if field.startswith("confirm") else "")


# Steps that end the session or the infusion: the form asks to confirm them, and a post
# without the confirmation is refused with nothing written.
CONFIRMED = frozenset({Command.CANCEL, Command.STOP_EARLY})


def _transition(who: Actor, session_id: int, request: HttpRequest, zone: ZoneInfo) -> object:
    names = ("command", "reason", "rate_ml_per_h", "vtbi_ml", "volume_infused_ml")
    data = _fields(request, names, zone)
    if data.get("command") in CONFIRMED and request.POST.get("confirm") != "yes":
        label = COMMAND_LABELS[Command(data["command"])]
        raise InvalidInput.single("confirm", f"tick the box to confirm “{label}”")
    return lifecycle.transition(who, session_id, data)


def _score(who: Actor, session_id: int, request: HttpRequest, zone: ZoneInfo) -> object:
    definition = definition_or_404(request.POST.get("instrument", ""))
    data = {
        "instrument": definition.id,
        "answers": answers_from_post(definition, request.POST),
        **_fields(request, (), zone),
    }
    return scores.record_score(who, session_id, data)


def _amend(who: Actor, session_id: int, request: HttpRequest, zone: ZoneInfo) -> object:
    kind = request.POST.get("kind", "")
    fields = AMEND_FIELDS.get(kind)
    if fields is None:
        raise Http404("no such entry kind")
    values = _fields(request, tuple(field.name for field in fields), zone)
    data = {"values": values, "reason": request.POST.get("reason", "")}
    return flowsheet.amend_entry(who, session_id, kind, int(request.POST.get("entry_id", 0)), data)


ACTIONS: dict[str, Handler] = {
    "transition": _transition,
    "vitals": _posting(flowsheet.record_vitals, *VITAL_QUANTITIES, "late_reason"),
    "override": _posting(overrides.record_override, "gate", "reason", *SIGNER_FIELDS),
    "side-effect": _posting(flowsheet.record_side_effect, "kind", "severity", "note"),
    "rescue": _posting(
        flowsheet.record_rescue_medication, "prn_order_id", "dose_mg", "limit_reason", "note"
    ),
    "draw": _posting(supply.draw_for_session, "storage_id", "lot_id", "volume_ml"),
    "no-draw": _posting(supply.waive_draw, "reason"),
    "pump": _posting(flowsheet.change_pump_rate, "rate_ml_per_h", "reason"),
    "note": _posting(flowsheet.add_note, "text"),
    "urinary": _posting(flowsheet.record_urinary_screen, *URINARY_SYMPTOMS, "note"),
    "confirm": _posting(checklist.confirm, "kind", "note"),
    "weight": _posting(checklist.record_weight, "weight_kg"),
    "ledger": _posting(ledger.post_to_ledger, "draw_id", "witness_username", "witness_password"),
    "score": _score,
    "amend": _amend,
    "sign": _posting(signing.sign_session, *SIGNER_FIELDS),
    "titration": lambda who, session_id, request, session: titration.propose_titration(
        who, session_id
    ),
}


@service_view
def session_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    return _render(request, actor(request), session_id)


@require_POST
@service_view
def session_action(request: HttpRequest, session_id: int, action: str) -> HttpResponse:
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404("no such action")
    who = actor(request)
    zone = lookups.session_zone(session_id)
    try:
        handler(who, session_id, request, zone)
    except InvalidInput as error:
        return _render(
            request, who, session_id, form=action, errors=field_errors(error), status=422
        )
    except Blocked as error:
        named = [(gap.field, gap.message) for gap in error.gaps]
        named += [(blocker.field, blocker.message) for blocker in error.blockers]
        missing = [{"message": message, "section": _section(field)} for field, message in named]
        return _render(request, who, session_id, form=action, blocked=missing, status=409)
    except Conflict as error:
        text = str(error).rstrip(". ")
        conflict = f"{text[:1].upper()}{text[1:]}."
        return _render(request, who, session_id, form=action, conflict=conflict, status=409)
    messages.success(request, _saved(action, request))
    if not may(who, Action.SESSION_VIEW):
        return redirect("web:live-board")
    return redirect(reverse("web:session-detail", args=[session_id]) + f"#{action}")


SAVED = {
    "vitals": "Vital signs saved.",
    "override": "Override signed.",
    "side-effect": "Side effect saved.",
    "rescue": "Rescue medication saved.",
    "draw": "Draw recorded.",
    "no-draw": "Reason for no draw saved.",
    "pump": "Pump rate saved.",
    "note": "Note saved.",
    "urinary": "Urinary screen saved.",
    "confirm": "Checklist item confirmed.",
    "weight": "Weight saved.",
    "ledger": "Posted to the controlled-substance ledger.",
    "score": "Score saved.",
    "amend": "Correction saved.",
    "sign": "Session record signed.",
    "titration": "Titration proposed.",
}


def _saved(action: str, request: HttpRequest) -> str:
    """The success message after ``action``: a step says what it did."""
    if action == "transition":
        command = request.POST.get("command", "")
        if command in STEP_DONE_LABELS:
            return f"{STEP_DONE_LABELS[Command(command)]}."
    return SAVED.get(action, "Saved.")


@require_POST
@service_view
def session_open(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Open a session for one of today's orders and check the patient in."""
    who = actor(request)
    data = {
        name: int(value) if value.isdigit() else value
        for name in ("order_id", "appointment_id", "location_id", "chair_id")
        if (value := request.POST.get(name, "").strip())
    }
    try:
        session = lifecycle.open_session(who, data)
        check_in = {"command": Command.CHECK_IN, **_fields(request, (), session.location.zone)}
        lifecycle.transition(who, session.pk, check_in)
    except (InvalidInput, Conflict) as error:
        return render(
            request,
            "web/sessions/open_refused.html",
            {"error": str(error), "patient_id": patient_id},
            status=422 if isinstance(error, InvalidInput) else 409,
        )
    if may(who, Action.SESSION_VIEW):
        return redirect("web:session-detail", session_id=session.pk)
    return redirect("web:live-board")


def _render(
    request: HttpRequest,
    who: Actor,
    session_id: int,
    *,
    form: str = "",
    errors: dict[str, str] | None = None,
    conflict: str = "",
    blocked: list[dict[str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    sheet = reads.get_flowsheet(who, session_id)
    session = sheet.session
    _attach_amend_fields(sheet)
    session_sheet.name_scores(sheet)
    rules = session_rules()
    confirmed = {confirmation.kind for confirmation in sheet.confirmations}
    pending = [
        item
        for item in (
            *required_confirmations(rules.pre_checks.confirmations, session.patient.sex),
            *rules.discharge.confirmations,
        )
        if item.kind not in confirmed
    ]
    instruments = scores.session_instruments()
    commands = [
        {
            "value": command.value,
            "label": COMMAND_LABELS[command],
            "needs_reason": command in NEEDS_REASON,
        }
        for command in sheet.commands
    ]
    order_state = order_status(session.order)
    return render(
        request,
        "web/sessions/flowsheet.html",
        {
            "sheet": sheet,
            "session": session,
            "patient": session.patient,
            "order": session.order,
            "order_status": order_state.label,
            "order_verified": order_state == "verified",
            "form": form,
            "errors": errors or {},
            "error_lines": [(_field_label(name), text) for name, text in (errors or {}).items()],
            "protocol_name": protocol_name(session.protocol_id),
            "conflict": conflict,
            "blocked": blocked or [],
            "blockers": [
                {
                    "gate": blocker.gate,
                    "label": rules.gates[blocker.gate].label,
                    "message": session_sheet.plain(blocker.message, rules, instruments),
                    "section": _section(blocker.field),
                }
                for blocker in sheet.blockers
            ],
            "gaps": [session_sheet.plain(gap.message, rules, instruments) for gap in sheet.gaps],
            "next_step": session_sheet.next_step(sheet, rules, instruments),
            "override_rows": [
                (rules.gates[row.gate].label if row.gate in rules.gates else row.gate, row)
                for row in sheet.overrides
            ],
            "may_override": may(who, Action.SESSION_OVERRIDE),
            "commands": [c for c in commands if c["value"] not in CONFIRMED],
            "danger_commands": [c for c in commands if c["value"] in CONFIRMED],
            "grid": session_sheet.vitals_grid(sheet, rules),
            "timeline": session_sheet.timeline(sheet),
            "administered": session_sheet.administration(sheet),
            "rescue_totals": session_sheet.rescue_totals(sheet),
            "confirmed_items": session_sheet.confirmed(sheet, rules),
            "open_alerts": [*sheet.open_alerts, *sheet.patient_alerts],
            "banner_message": next(
                (
                    session_sheet.without_rule(alert.message)
                    for alert in [*sheet.open_alerts, *sheet.patient_alerts]
                ),
                "",
            ),
            "vital_fields": [(name, VITAL_LABELS[name]) for name in VITAL_QUANTITIES],
            "chart": session_sheet.chart(sheet, rules),
            "score_forms": [
                form_context(definition_or_404(instrument), {}) for instrument in instruments
            ],
            "pending_confirmations": pending,
            "side_effect_kinds": [(kind, kind.replace("_", " ")) for kind in SIDE_EFFECT_KINDS],
            "side_effect_severities": SIDE_EFFECT_SEVERITIES,
            "urinary_symptoms": URINARY_SYMPTOMS,
            "amend_fields": AMEND_FIELDS,
            "draws": ledger.open_draws(who, session_id) if _may_post(who, sheet) else [],
            "may_amend": may(who, Action.SESSION_AMEND),
            "may_sign": may(who, Action.SESSION_SIGN),
        },
        status=status,
    )


def _attach_amend_fields(sheet: reads.Flowsheet) -> None:
    """Give each amendable row ``amend_fields``: its correction form's fields with the current
    values (templates cannot look up a field by a name held in a variable)."""
    kinds: tuple[tuple[str, list[Any]], ...] = (
        ("vitals", sheet.vitals),
        ("side_effects", sheet.side_effects),
        ("rescue_medications", sheet.rescue_medications),
        ("notes", sheet.notes),
        ("urinary_screen", sheet.urinary_screens),
        ("volume_infused", [row for row in sheet.pump_events if row.kind == "end"]),
    )
    for kind, rows in kinds:
        for row in rows:
            row.amend_fields = [(field, getattr(row, field.name)) for field in AMEND_FIELDS[kind]]


def _may_post(who: Actor, sheet: reads.Flowsheet) -> bool:
    """Whether the ledger form shows: the infusion is over, nothing posted, and the role
    handles the drug."""
    over = sheet.timeline.infusion_ended_at is not None and sheet.ledger is None
    return over and may(who, Action.LEDGER_ADMINISTER)
