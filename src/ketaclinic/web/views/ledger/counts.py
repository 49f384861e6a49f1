"""Ledger counts and the discrepancies they flag, and resolving one."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.ledger import catalog, counts, stock
from ketaclinic.records.ledger.choices import CountKind
from ketaclinic.records.ledger.common import location_or_404

from ...forms import attempt, posted
from ..common import actor, service_view
from .common import (
    WITNESS_FIELDS,
    abilities,
    allowed_at,
    shown,
)


@service_view
def ledger_counts(request: HttpRequest, slug: str) -> HttpResponse:
    who = actor(request)
    location = location_or_404(slug)
    return render(
        request,
        "web/ledger/counts.html",
        {
            "location": location,
            "counts": counts.counts(who, slug),
            "storages": catalog.storage_at(who, slug),
            "can": abilities(who),
        },
    )


@service_view
def ledger_count_new(request: HttpRequest, slug: str, storage_id: int) -> HttpResponse:
    who = actor(request)
    location = allowed_at(who, Action.LEDGER_COUNT, slug)
    storage = next((s for s in catalog.storage_at(who, slug) if s.pk == storage_id), None)
    if storage is None:
        raise Http404(f"storage {storage_id} is not at {location.name}")
    rows = [
        b
        for b in stock.balances_at(who, slug)
        if b.storage_id == storage_id and (b.on_hand_ml > 0 or b.in_use_ml > 0)
    ]
    values: dict[str, str] = {"kind": CountKind.END_OF_DAY}
    errors: dict[str, str] = {}
    line_errors: dict[int, str] = {}
    clash, status = "", 200
    if request.method == "POST":
        sent = posted(request, "kind", "note", *WITNESS_FIELDS)
        entered = {
            row.lot_id: (
                request.POST.get(f"full_vials_{row.lot_id}", "").strip(),
                request.POST.get(f"open_ml_{row.lot_id}", "").strip(),
            )
            for row in rows
        }
        lines = [
            {"lot_id": lot_id, "full_vials": full, "open_ml": open_ml or "0"}
            for lot_id, (full, open_ml) in entered.items()
        ]
        values = {
            **sent,
            **{f"full_vials_{lot_id}": full for lot_id, (full, _) in entered.items()},
            **{f"open_ml_{lot_id}": open_ml for lot_id, (_, open_ml) in entered.items()},
        }
        try:
            count = counts.record_count(who, {**sent, "storage_id": storage_id, "lines": lines})
        except InvalidInput as error:
            status = 422
            for item in error.errors:
                parts = item.field.split(".")
                if parts[0] == "lines" and len(parts) > 1 and parts[1].isdigit():
                    line_errors[rows[int(parts[1])].lot_id] = item.message
                else:
                    errors.setdefault(parts[0], item.message)
        except Conflict as error:
            clash, status = str(error), 409
        else:
            found = sum(1 for line in count.lines.all() if line.difference_ml != 0)
            if found:
                messages.error(request, f"Count saved: {found} discrepancy(ies) flagged.")
            else:
                messages.success(request, "Count saved: it matches the balances.")
            return redirect("web:ledger-counts", slug=slug)
    return render(
        request,
        "web/ledger/count_form.html",
        {
            "location": location,
            "storage": storage,
            "rows": [
                {
                    "balance": row,
                    "full_vials": values.get(f"full_vials_{row.lot_id}", ""),
                    "open_ml": values.get(f"open_ml_{row.lot_id}", ""),
                    "error": line_errors.get(row.lot_id, ""),
                }
                for row in rows
            ],
            "kinds": CountKind.choices,
            "values": shown(values),
            "errors": errors,
            "clash": clash,
        },
        status=status,
    )


def _discrepancy_page(
    request: HttpRequest, who: Actor, slug: str, *, failed: int | None = None, **form: Any
) -> HttpResponse:
    return render(
        request,
        "web/ledger/discrepancies.html",
        {
            "location": location_or_404(slug),
            "discrepancies": counts.discrepancies(who, slug)[:200],
            "can": abilities(who),
            "failed": failed,
            **form,
        },
        status=form.get("status", 200),
    )


@service_view
def ledger_discrepancies(request: HttpRequest, slug: str) -> HttpResponse:
    return _discrepancy_page(request, actor(request), slug)


@require_POST
@service_view
def ledger_resolve(request: HttpRequest, slug: str, discrepancy_id: int) -> HttpResponse:
    who = actor(request)
    values = posted(request, "note", "adjust", *WITNESS_FIELDS)
    data = {**values, "adjust": values.get("adjust") == "on"}
    resolution, errors, clash, status = attempt(
        lambda: counts.resolve_discrepancy(who, discrepancy_id, data)
    )
    if resolution is None:
        return _discrepancy_page(
            request,
            who,
            slug,
            failed=discrepancy_id,
            values=shown(values),
            errors=errors,
            clash=clash,
            status=status,
        )
    messages.success(request, f"Discrepancy {discrepancy_id} resolved.")
    return redirect("web:ledger-discrepancies", slug=slug)
