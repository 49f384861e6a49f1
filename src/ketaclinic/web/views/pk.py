"""The PK preview fragment (used on plan pages) and the standalone regimen simulator."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from ketaclinic.pharmacology import Simulation, landmarks, models, routes
from ketaclinic.pharmacology.plot import render_plot
from ketaclinic.records.errors import InvalidInput
from ketaclinic.records.patients import pharmacokinetics

from .common import actor, service_view

COMPARED = ("a", "b", "c")
REGIMEN_FIELDS = ("label", "route", "dose_mg_per_kg", "dose_mg", "duration_min")
PRESETS = {
    "40 vs 60 min infusion": {
        "a_label": "0.5 mg/kg over 40 min",
        "a_route": "iv_infusion",
        "a_dose_mg_per_kg": "0.5",
        "a_duration_min": "40",
        "b_label": "0.5 mg/kg over 60 min",
        "b_route": "iv_infusion",
        "b_dose_mg_per_kg": "0.5",
        "b_duration_min": "60",
    },
    "IV vs IM": {
        "a_label": "IV 0.5 mg/kg over 40 min",
        "a_route": "iv_infusion",
        "a_dose_mg_per_kg": "0.5",
        "a_duration_min": "40",
        "b_label": "IM 0.5 mg/kg",
        "b_route": "im",
        "b_dose_mg_per_kg": "0.5",
    },
}


@dataclass(frozen=True)
class Curve:
    label: str
    simulation: Simulation


def plot_data_uri(curves: list[Curve]) -> str:
    """The curves as one SVG figure, inlined as a data URI (no script, no id clashes)."""
    svg = render_plot(
        [curve.simulation for curve in curves],
        labels=[curve.label for curve in curves],
        image_format="svg",
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


@service_view
def pk_preview(request: HttpRequest) -> HttpResponse:
    """An htmx fragment: ``?patient=<id>&regimen=<JSON list of doses>``."""
    patient = request.GET.get("patient", "")
    try:
        doses = json.loads(request.GET.get("regimen", ""))
    except json.JSONDecodeError:
        return _fragment_error(request, "regimen", "is not a JSON list of doses")
    if not patient.isdigit():
        return _fragment_error(request, "patient", "is required")
    try:
        simulation = pharmacokinetics.simulate_for_patient(actor(request), int(patient), doses)
    except InvalidInput as error:
        return _fragment_error(request, error.errors[0].field, error.errors[0].message)
    curves = [Curve("this regimen", simulation)]
    return render(
        request,
        "web/pk/_preview.html",
        {"curves": curves, "plot": plot_data_uri(curves), "landmarks": landmarks()},
    )


def _fragment_error(request: HttpRequest, field: str, message: str) -> HttpResponse:
    return render(request, "web/pk/_error.html", {"field": field, "message": message}, status=422)


def _dose(params: QueryDict, key: str) -> dict[str, Any] | None:
    """One compared regimen's single dose from the form, or None when left empty."""
    route = params.get(f"{key}_route", "")
    per_kg, mg = params.get(f"{key}_dose_mg_per_kg", ""), params.get(f"{key}_dose_mg", "")
    if not route and not per_kg and not mg:
        return None
    dose: dict[str, Any] = {"route": route, "start_min": 0}
    for name, text in (("dose_mg_per_kg", per_kg), ("dose_mg", mg)):
        if text:
            dose[name] = _number(f"{key}_{name}", text)
    duration = params.get(f"{key}_duration_min", "")
    if duration and route == "iv_infusion":
        dose["duration_min"] = _number(f"{key}_duration_min", duration)
    return dose


def _number(field: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InvalidInput.single(field, "must be a number") from None


@service_view
def pk_simulator(request: HttpRequest) -> HttpResponse:
    """Compare up to three regimens for one weight, on one plot."""
    params: QueryDict = request.GET
    if "preset" in params and params["preset"] in PRESETS:
        params = QueryDict(mutable=True)
        params.update(
            {"weight_kg": request.GET.get("weight_kg", "70"), **PRESETS[request.GET["preset"]]}
        )
    context: dict[str, Any] = {
        "params": params,
        "regimens": [
            {"key": key, **{name: params.get(f"{key}_{name}", "") for name in REGIMEN_FIELDS}}
            for key in COMPARED
        ],
        "routes": [route.value for route in routes()],
        "models": models(),
        "presets": PRESETS,
        "landmarks": landmarks(),
    }
    status = 200
    if params.get("weight_kg"):
        try:
            context |= _simulate_compared(request, params)
        except InvalidInput as error:
            context["error"] = error.errors[0]
            status = 422
    return render(request, "web/pk/simulator.html", context, status=status)


def _simulate_compared(request: HttpRequest, params: QueryDict) -> dict[str, Any]:
    weight_kg = _number("weight_kg", params.get("weight_kg", ""))
    model = params.get("model") or None
    curves = []
    for key in COMPARED:
        dose = _dose(params, key)
        if dose is None:
            continue
        label = params.get(f"{key}_label") or f"regimen {key.upper()}"
        try:
            simulation = pharmacokinetics.simulate_regimen(
                actor(request), [dose], weight_kg, model=model, until_min=240
            )
        except InvalidInput as error:
            field = error.errors[0].field.replace("regimen[0].", f"{key}_")
            raise InvalidInput.single(field, error.errors[0].message) from None
        curves.append(Curve(label, simulation))
    if not curves:
        raise InvalidInput.single("a_route", "describe at least one regimen")
    return {"curves": curves, "plot": plot_data_uri(curves)}
