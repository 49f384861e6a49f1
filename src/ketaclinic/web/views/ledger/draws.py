"""Ledger draws at the chair (sized for a tablet): drawing, what was given, waste, and reversals."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import NotFound
from ketaclinic.records.ledger import services, stock
from ketaclinic.records.ledger.common import local_today
from ketaclinic.records.ledger.quantities import plain
from ketaclinic.records.patients.lookups import patient_id_by_mrn

from ...forms import attempt, posted
from ..common import actor, service_view
from .common import (
    WITNESS_FIELDS,
    abilities,
    allowed_at,
    balance_choice,
    lot_options,
    renamed,
    shown,
)

if TYPE_CHECKING:
    from ketaclinic.records.ledger.models import Entry


@service_view
def ledger_draw(request: HttpRequest, slug: str) -> HttpResponse:
    who = actor(request)
    location = allowed_at(who, Action.LEDGER_DRAW, slug)
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    clash, status = "", 200
    if request.method == "POST":
        values = posted(request, "balance", "patient_mrn", "volume_ml", "reference")
        data = {
            **balance_choice(values.get("balance", "")),
            **{k: v for k, v in values.items() if k in {"volume_ml", "reference"}},
        }
        patient_id = _patient_by_mrn(who, values.get("patient_mrn", ""))
        if patient_id is None:
            errors, status = {"patient_mrn": "no patient has this MRN"}, 422
        else:
            data["patient_id"] = str(patient_id)
            drawn, errors, clash, status = attempt(lambda: services.draw(who, data))
            if drawn is not None:
                messages.success(request, f"Drew {plain(drawn.in_use_ml)} mL (draw {drawn.pk}).")
                return redirect("web:ledger-draw-detail", draw_id=drawn.pk)
        errors = renamed(errors, {"storage_id": "balance", "lot_id": "balance"})
    return render(
        request,
        "web/ledger/draw.html",
        {
            "location": location,
            "values": values,
            "errors": errors,
            "clash": clash,
            "lot_options": lot_options(
                stock.balances_at(who, slug), local_today(location), drawing=True
            ),
        },
        status=status,
    )


def _patient_by_mrn(who: Actor, mrn: str) -> int | None:
    """The patient with this MRN (any case), found through the audited look-up."""
    if not mrn:
        return None
    try:
        return patient_id_by_mrn(who, mrn)
    except NotFound:
        return None


def _draw_page(
    request: HttpRequest,
    who: Actor,
    draw_id: int,
    *,
    form: str = "",
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    clash: str = "",
    status: int = 200,
) -> HttpResponse:
    detail = stock.draw_detail(who, draw_id)
    return render(
        request,
        "web/ledger/draw_detail.html",
        {
            "detail": detail,
            "draw": detail.draw,
            "location": detail.draw.storage.location,
            **{
                name: {
                    "values": shown(values or {}) if name == form else {},
                    "errors": (errors or {}) if name == form else {},
                }
                for name in ("administered", "waste")
            },
            "clash": clash,
            "can": abilities(who),
        },
        status=status,
    )


@service_view
def ledger_draw_detail(request: HttpRequest, draw_id: int) -> HttpResponse:
    return _draw_page(request, actor(request), draw_id)


@require_POST
@service_view
def ledger_administered(request: HttpRequest, draw_id: int) -> HttpResponse:
    return _record_on_draw(
        request,
        draw_id,
        "administered",
        ("volume_ml", "dose_mg"),
        services.record_administered,
        "Recorded {} mL as administered.",
    )


@require_POST
@service_view
def ledger_waste(request: HttpRequest, draw_id: int) -> HttpResponse:
    return _record_on_draw(
        request,
        draw_id,
        "waste",
        ("volume_ml", "dose_mg", *WITNESS_FIELDS),
        services.waste,
        "Recorded {} mL wasted, witnessed.",
    )


def _record_on_draw(
    request: HttpRequest,
    draw_id: int,
    form: str,
    fields: tuple[str, ...],
    record: Callable[[Actor, int, Mapping[str, str]], Entry],
    done: str,
) -> HttpResponse:
    """Record what became of part of a draw with ``record``; the draw's page again, with the
    ``form`` filled in and its errors, when refused."""
    who = actor(request)
    values = posted(request, *fields)
    entry, errors, clash, status = attempt(lambda: record(who, draw_id, values))
    if entry is None:
        return _draw_page(
            request,
            who,
            draw_id,
            form=form,
            values=values,
            errors=errors,
            clash=clash,
            status=status,
        )
    messages.success(request, done.format(plain(entry.amount_ml)))
    return redirect("web:ledger-draw-detail", draw_id=draw_id)


@service_view
def ledger_reverse(request: HttpRequest, entry_id: int) -> HttpResponse:
    who = actor(request)
    authorize(who, Action.LEDGER_CORRECT)
    original = stock.entry_detail(who, entry_id)
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    clash, status = "", 200
    if request.method == "POST":
        values = posted(request, "reason", *WITNESS_FIELDS)
        entry, errors, clash, status = attempt(lambda: services.reverse(who, entry_id, values))
        if entry is not None:
            messages.success(request, f"Entry {entry_id} reversed by entry {entry.pk}.")
            return redirect("web:ledger-stock", slug=original.storage.location.slug)
    return render(
        request,
        "web/ledger/reverse.html",
        {
            "entry": original,
            "location": original.storage.location,
            "values": shown(values),
            "errors": errors,
            "clash": clash,
        },
        status=status,
    )
