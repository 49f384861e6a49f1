"""Screening, plan building with a live dose and PK preview, signing, orders, the preparation
and the independent double-check, and titration."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from ketaclinic.protocols import SEVERITIES, Protocol, protocols
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import may
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.patients import services as patients
from ketaclinic.records.patients.review import awaiting_review
from ketaclinic.records.plans import catalog, orders, screening, services, titration
from ketaclinic.records.plans.calculation import snapshot
from ketaclinic.records.plans.choices import Decision, OrderStatus, PlanStatus
from ketaclinic.screening.patient import VITAL_FIELDS

from ..forms import SIGNER_FIELDS, field_errors, posted, refusal
from .common import actor, service_view

if TYPE_CHECKING:
    from ketaclinic.records.plans.models import TreatmentPlan

DEFAULT_PROTOCOL = "ketamine-iv-0.5mgkg-40min"
CHOICE_FIELDS = ("dose_mg_per_kg", "dose_mg", "duration_min", "concentration_mg_per_ml")
DOSE_FIELDS = ("dose_mg", "volume_ml", "rate_ml_per_h")
VITAL_LABELS = {
    "sbp_mm_hg": "Systolic BP (mm Hg)",
    "dbp_mm_hg": "Diastolic BP (mm Hg)",
    "heart_rate_per_min": "Heart rate (/min)",
    "resp_rate_per_min": "Respiratory rate (/min)",
}
TITRATION_FIELDS = (
    "worst_side_effect",
    "cadss6_score",
    "peak_sbp_mm_hg",
    "peak_heart_rate_per_min",
    "baseline_pain_nrs",
    "pain_after_nrs",
)


def _overrides(request: HttpRequest) -> dict[str, str]:
    """The physician's reasons posted as ``overrides.<limit>``, by limit."""
    reasons = posted(request, *(n for n in request.POST if n.startswith("overrides.")))
    return {name.removeprefix("overrides."): reason for name, reason in reasons.items()}


# ---------------------------------------------------------------- screening


@service_view
def screening_page(request: HttpRequest, patient_id: int) -> HttpResponse:
    return _screening_page(request, actor(request), patient_id)


def _screening_page(
    request: HttpRequest,
    who: Actor,
    patient_id: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    found = screening.screenings(who, patient_id)
    latest = found[0] if found else None
    values, errors = values or {}, errors or {}
    decisions = dict(Decision.choices)
    return render(
        request,
        "web/plans/screening.html",
        {
            "patient": patients.get_chart(who, patient_id).patient,
            "screenings": found,
            "latest": latest,
            "allowed_decisions": [
                (choice, decisions[choice])
                for choice in (screening.ALLOWED_DECISIONS[latest.outcome] if latest else ())
            ],
            "can_run": may(who, Action.SCREENING_RUN),
            "unconfirmed": awaiting_review(patient_id),
            "may_review": may(who, Action.INTAKE_REVIEW),
            "can_decide": may(who, Action.SCREENING_DECIDE),
            "can_draft": may(who, Action.PLAN_DRAFT),
            "protocols": protocols(),
            "vitals": [
                {
                    "name": f"vitals.{name}",
                    "label": VITAL_LABELS[name],
                    "value": values.get(f"vitals.{name}", ""),
                    "error": errors.get(f"vitals.{name}", ""),
                }
                for name in VITAL_FIELDS
            ],
            "values": values,
            "errors": errors,
        },
        status=status,
    )


@require_POST
@service_view
def screening_run(request: HttpRequest, patient_id: int) -> HttpResponse:
    who = actor(request)
    pregnant = request.POST.get("pregnant", "")
    data: dict[str, Any] = {"pregnant": {"yes": True, "no": False}.get(pregnant)}
    vitals = posted(request, *(f"vitals.{name}" for name in VITAL_FIELDS))
    if vitals:
        data["vitals"] = {name.removeprefix("vitals."): value for name, value in vitals.items()}
    if request.POST.get("protocol"):
        data["protocol"] = request.POST["protocol"]
    try:
        screening.run_screening(who, patient_id, data)
    except Conflict as error:
        messages.error(request, str(error))
        return redirect("web:screening", patient_id=patient_id)
    except InvalidInput as error:
        values = {**request.POST.dict()}
        return _screening_page(
            request,
            who,
            patient_id,
            values=values,
            errors=field_errors(error, dotted=True),
            status=422,
        )
    return redirect("web:screening", patient_id=patient_id)


@require_POST
@service_view
def screening_decide(request: HttpRequest, patient_id: int, screening_id: int) -> HttpResponse:
    who = actor(request)
    data = posted(request, "decision", "note")
    try:
        screening.decide(who, screening_id, data)
    except (InvalidInput, Conflict) as error:
        errors, status = refusal(error, "decision", dotted=True)
        return _screening_page(request, who, patient_id, values=data, errors=errors, status=status)
    return redirect("web:screening", patient_id=patient_id)


# ---------------------------------------------------------------- building and the live dose


def _protocol_or_default(protocol_id: str) -> Protocol:
    """The chosen protocol (the seed regimen when none is chosen); 404 for an unknown id."""
    known = {protocol.id: protocol for protocol in protocols()}
    if protocol_id and protocol_id not in known:
        raise Http404(f"unknown protocol {protocol_id!r}")
    return known[protocol_id or DEFAULT_PROTOCOL]


def _choices(request_data: Any, protocol: Protocol) -> dict[str, str]:
    """The personalised values in a GET or POST form, for the protocol's own quantities."""
    names = [name for name in CHOICE_FIELDS if name != _other_dose(protocol)]
    if not protocol.is_infusion:
        names.remove("duration_min")
    values = {name: str(request_data.get(name, "")).strip() for name in [*names, "sessions"]}
    return {"protocol": protocol.id, **{name: value for name, value in values.items() if value}}


def _other_dose(protocol: Protocol) -> str:
    return "dose_mg" if protocol.dose_quantity == "dose_mg_per_kg" else "dose_mg_per_kg"


def _dose_context(who: Actor, patient_id: int, choices: dict[str, str]) -> dict[str, Any]:
    """The dose box: the calculator's result for these choices, or the fields it refused."""
    try:
        result = services.calculate(who, patient_id, choices)
    except InvalidInput as error:
        return {
            "dose": None,
            "dose_errors": field_errors(error, dotted=True),
            "patient_id": patient_id,
        }
    return _dose_box(snapshot(result), patient_id)


def _dose_box(dose: dict[str, Any], patient_id: int) -> dict[str, Any]:
    """What web/plans/_dose.html shows: the calculator's output, its numbers as text, and the
    regimen for the PK preview."""
    return {
        "dose": dose,
        "shown": {name: _text(value) for name, value in dose.items() if _is_number(value)},
        "checks": [
            {**check, "value_text": _text(check["value"])} for check in dose["limit_checks"]
        ],
        "regimen": json.dumps(dose["pk_doses"]),
        "patient_id": patient_id,
    }


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text(value: float) -> str:
    """A clinical number without noise: 52.5, 0.857143, 35."""
    return f"{value:.6g}"


@service_view
def plan_build(request: HttpRequest, patient_id: int) -> HttpResponse:
    """GET: the form with the dose for the protocol's defaults (or the amended plan's values);
    POST: save the draft (or the amendment) and go to it."""
    who = actor(request)
    source = request.POST if request.method == "POST" else request.GET
    amends = _amended(who, source.get("amends", ""))
    protocol = _protocol_or_default(
        source.get("protocol") or (amends.protocol_id if amends else DEFAULT_PROTOCOL)
    )
    if request.method == "GET" and amends is not None and "protocol" not in request.GET:
        choices = {k: str(v) for k, v in amends.dose_request.items() if k in CHOICE_FIELDS and v}
        choices |= {"protocol": protocol.id, "sessions": str(amends.sessions)}
    else:
        choices = _choices(source, protocol)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            plan = _save(who, patient_id, amends, choices, request.POST.get("reason", ""))
        except (InvalidInput, Conflict) as error:
            errors = refusal(error, "plan", dotted=True)[0]
        else:
            return redirect("web:plan-detail", plan_id=plan.pk)
    context = {
        "patient": patients.get_chart(who, patient_id).patient,
        "protocols": protocols(),
        "protocol": protocol,
        "concentrations": catalog.concentrations_mg_per_ml(protocol),
        "values": choices,
        "reason": request.POST.get("reason", ""),
        "amends": amends,
        "errors": errors,
        **_dose_context(who, patient_id, choices),
    }
    return render(request, "web/plans/build.html", context, status=422 if errors else 200)


def _amended(who: Actor, plan_id: str) -> TreatmentPlan | None:
    return services.get_plan(who, int(plan_id)).plan if plan_id.isdigit() else None


def _save(
    who: Actor,
    patient_id: int,
    amends: TreatmentPlan | None,
    choices: dict[str, str],
    reason: str,
) -> TreatmentPlan:
    if amends is None:
        return services.draft_plan(who, patient_id, choices)
    data: dict[str, Any] = {
        **dict.fromkeys((*CHOICE_FIELDS, "sessions")),
        **choices,
        "reason": reason,
    }
    return services.amend_plan(who, amends.pk, data)


@service_view
def plan_calculate(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The dose box as an htmx fragment for the form's current values (nothing is written)."""
    protocol = _protocol_or_default(request.GET.get("protocol", ""))
    context = _dose_context(actor(request), patient_id, _choices(request.GET, protocol))
    status = 422 if context.get("dose_errors") else 200
    return render(request, "web/plans/_dose.html", context, status=status)


# ---------------------------------------------------------------- a plan: sign, orders, titration


@service_view
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    return _plan_page(request, actor(request), plan_id)


def _plan_page(
    request: HttpRequest,
    who: Actor,
    plan_id: int,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    detail = services.get_plan(who, plan_id)
    plan = detail.plan
    current = plan.status == PlanStatus.CURRENT
    errors = errors or {}
    return render(
        request,
        "web/plans/detail.html",
        {
            "detail": detail,
            "plan": plan,
            "patient": plan.patient,
            "prn_left_out": detail.prn_left_out,
            "protocol": detail.protocol,
            "soft_exceeded": [
                check
                for check in plan.dose_result["limit_checks"]
                if check["status"] == "soft_exceeded"
            ],
            "can_sign": plan.status == PlanStatus.DRAFT and may(who, Action.PLAN_SIGN),
            "can_amend": current and may(who, Action.PLAN_DRAFT),
            "can_order": current and may(who, Action.ORDER_CREATE),
            "can_confirm_weight": current
            and may(who, Action.WEIGHT_CONFIRM)
            and "weight_kg" in errors,
            "can_record_titration": current and may(who, Action.TITRATION_RECORD),
            "can_decide_titration": current and may(who, Action.TITRATION_DECIDE),
            "severities": SEVERITIES,
            "today": timezone.localdate(),
            "errors": errors,
            "values": values or {},
            **_dose_box(plan.dose_result, plan.patient_id),
        },
        status=status,
    )


def _retry(
    request: HttpRequest,
    who: Actor,
    plan_id: int,
    error: InvalidInput | Conflict,
    values: dict[str, str],
) -> HttpResponse:
    """The plan page again with what the service refused: 422 for bad input, 409 for state."""
    errors, status = refusal(error, "plan", dotted=True)
    return _plan_page(request, who, plan_id, errors=errors, values=values, status=status)


@require_POST
@service_view
def plan_sign(request: HttpRequest, plan_id: int) -> HttpResponse:
    who = actor(request)
    reasons = _overrides(request)
    try:
        services.sign_plan(who, plan_id, {"overrides": reasons, **posted(request, *SIGNER_FIELDS)})
    except (InvalidInput, Conflict) as error:
        values = {f"overrides.{name}": reason for name, reason in reasons.items()}
        return _retry(request, who, plan_id, error, values)
    messages.success(request, "Plan signed.")
    return redirect("web:plan-detail", plan_id=plan_id)


@require_POST
@service_view
def order_create(request: HttpRequest, plan_id: int) -> HttpResponse:
    who = actor(request)
    data = posted(request, "session_on", "exposure_override_reason")
    try:
        order = orders.create_order(who, plan_id, data)
    except (InvalidInput, Conflict) as error:
        return _retry(request, who, plan_id, error, data)
    return redirect("web:order-detail", order_id=order.pk)


@require_POST
@service_view
def weight_confirm(request: HttpRequest, plan_id: int) -> HttpResponse:
    who = actor(request)
    data = posted(request, "note")
    try:
        orders.confirm_weight(who, plan_id, data)
    except (InvalidInput, Conflict) as error:
        return _retry(request, who, plan_id, error, {"weight_note": data.get("note", "")})
    messages.success(request, "Weight confirmed for this plan's orders.")
    return redirect("web:plan-detail", plan_id=plan_id)


@require_POST
@service_view
def titration_record(request: HttpRequest, plan_id: int) -> HttpResponse:
    who = actor(request)
    data = posted(request, *TITRATION_FIELDS)
    try:
        titration.record_titration(who, plan_id, data)
    except (InvalidInput, Conflict) as error:
        return _retry(request, who, plan_id, error, data)
    return redirect("web:plan-detail", plan_id=plan_id)


@require_POST
@service_view
def titration_decide(request: HttpRequest, plan_id: int, proposal_id: int) -> HttpResponse:
    who = actor(request)
    data: dict[str, Any] = posted(request, "dose_mg_per_kg", "dose_mg", "note")
    data["accept"] = request.POST.get("accept") == "yes"
    data["overrides"] = _overrides(request)
    data.update(posted(request, *SIGNER_FIELDS))
    try:
        decision = titration.decide_titration(who, proposal_id, data)
    except (InvalidInput, Conflict) as error:
        return _retry(request, who, plan_id, error, {})
    target = decision.amendment_id or plan_id
    return redirect("web:plan-detail", plan_id=target)


# ---------------------------------------------------------------- an order and its double-check


@service_view
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    return _order_page(request, actor(request), order_id)


def _order_page(
    request: HttpRequest,
    who: Actor,
    order_id: int,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    detail = orders.get_order(who, order_id)
    order = detail.order
    return render(
        request,
        "web/plans/order.html",
        {
            "detail": detail,
            "order": order,
            "patient": order.patient,
            "can_prepare": order.status == OrderStatus.AWAITING_PREPARATION
            and may(who, Action.ORDER_PREPARE),
            "can_verify": order.status == OrderStatus.AWAITING_DOUBLE_CHECK
            and may(who, Action.ORDER_VERIFY),
            "errors": errors or {},
            "values": values or {},
            **_dose_box(order.dose_result, order.patient_id),
        },
        status=status,
    )


@require_POST
@service_view
def order_prepare(request: HttpRequest, order_id: int) -> HttpResponse:
    who = actor(request)
    data = posted(request, *DOSE_FIELDS, "note")
    try:
        orders.prepare_order(who, order_id, data)
    except (InvalidInput, Conflict) as error:
        errors, status = refusal(error, "order", dotted=True)
        return _order_page(request, who, order_id, errors=errors, values=data, status=status)
    return redirect("web:order-detail", order_id=order_id)


@service_view
def order_verify(request: HttpRequest, order_id: int) -> HttpResponse:
    """The second clinician's form: what the order was computed from, never its numbers."""
    who = actor(request)
    errors: dict[str, str] = {}
    data: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        data = posted(request, *DOSE_FIELDS)
        try:
            check = orders.verify_order(who, order_id, {**data, **posted(request, *SIGNER_FIELDS)})
        except (InvalidInput, Conflict) as error:
            errors, status = refusal(error, "order", dotted=True)
        else:
            if check.matches:
                messages.success(request, "Double-check matches: the order is verified.")
            else:
                messages.error(
                    request,
                    "Mismatch, recorded: the order stays unverified. "
                    + "; ".join(check.mismatches),
                )
            return redirect("web:order-detail", order_id=order_id)
    detail = orders.get_order(who, order_id)
    return render(
        request,
        "web/plans/verify.html",
        {
            "order": detail.order,
            "patient": detail.order.patient,
            "dose": detail.order.dose_result,
            "errors": errors,
            "values": data,
        },
        status=status,
    )
