"""Ledger pages: stock and balances per location, receive, draw, administer and waste (sized
for a tablet), reversals and adjustments, counts, discrepancies, loss reports, reports with
CSV, and set-up. Every form posts to a service; a refusal re-renders the form with the field's
message (422) or the clash (409), and nothing is written."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize, may
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.ledger import catalog, counts, losses, reports, services, stock
from ketaclinic.records.ledger.common import local_today, location_or_404
from ketaclinic.records.ledger.models import Balance, CountKind, FilingKind, LossKind
from ketaclinic.records.ledger.quantities import plain
from ketaclinic.records.patients import services as patients

from .common import actor, field_errors, service_view

BOOK_PAGE_SIZE = 25
REPORT_PAGE_SIZE = 100
LOSS_FORM_LINES = 3
WITNESS_FIELDS = ("witness_username", "witness_password")


def _posted(request: HttpRequest, *names: str) -> dict[str, str]:
    """The named form fields that were filled in, trimmed; the witness password untouched."""
    values = {name: request.POST.get(name, "").strip() for name in names}
    if "witness_password" in names:
        values["witness_password"] = request.POST.get("witness_password", "")
    return {name: value for name, value in values.items() if value != ""}


def _shown(values: Mapping[str, str]) -> dict[str, str]:
    """What a re-rendered form shows again: never the witness's password."""
    return {name: value for name, value in values.items() if name != "witness_password"}


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def _abilities(who: Actor) -> dict[str, bool]:
    """Which controls the actor's role gets (the services check again)."""
    return {
        "receive": may(who, Action.LEDGER_RECEIVE),
        "draw": may(who, Action.LEDGER_DRAW),
        "administer": may(who, Action.LEDGER_ADMINISTER),
        "waste": may(who, Action.LEDGER_WASTE),
        "correct": may(who, Action.LEDGER_CORRECT),
        "count": may(who, Action.LEDGER_COUNT),
        "resolve": may(who, Action.LEDGER_RESOLVE),
        "report": may(who, Action.LEDGER_REPORT),
        "loss": may(who, Action.LEDGER_LOSS_REPORT),
        "setup": may(who, Action.LEDGER_SETUP),
    }


def _attempt(call: Callable[[], Any]) -> tuple[Any, dict[str, str], str, int]:
    """Run a service call; return (result, field errors, clash message, status)."""
    try:
        return call(), {}, "", 200
    except InvalidInput as error:
        return None, field_errors(error), "", 422
    except Conflict as error:
        return None, {}, str(error), 409


def _lot_options(balances: list[Balance], today: date, *, drawing: bool) -> list[dict[str, Any]]:
    """Lot pickers: ``storage_id:lot_id`` values; for drawing, only lots with stock, and an
    expired lot shown but not selectable."""
    options = []
    for b in balances:
        if drawing and b.on_hand_ml <= 0:
            continue
        expired = b.lot.expires_on < today
        label = (
            f"{b.storage.name} · {b.lot.product.name} · lot {b.lot.lot_number} "
            f"(expires {b.lot.expires_on:%Y-%m-%d}) · {plain(b.on_hand_ml)} mL on hand"
        )
        if drawing and expired:
            label += " · EXPIRED, cannot be drawn"
        options.append(
            {"value": f"{b.storage_id}:{b.lot_id}", "label": label, "disabled": drawing and expired}
        )
    return options


def _balance_choice(value: str) -> dict[str, str]:
    """``storage_id:lot_id`` from a lot picker, as the services' two fields."""
    storage_id, _, lot_id = value.partition(":")
    return {"storage_id": storage_id, "lot_id": lot_id} if lot_id else {}


@service_view
def ledger_home(request: HttpRequest) -> HttpResponse:
    who = actor(request)
    return render(
        request,
        "web/ledger/home.html",
        {"locations": stock.locations(who), "can": _abilities(who)},
    )


@service_view
def ledger_stock(request: HttpRequest, slug: str) -> HttpResponse:
    who = actor(request)
    overview = stock.stock(who, slug)
    book = stock.entries(who, slug, _page_number(request), BOOK_PAGE_SIZE)
    return render(
        request,
        "web/ledger/stock.html",
        {"stock": overview, "location": overview.location, "book": book, "can": _abilities(who)},
    )


@service_view
def ledger_receive(request: HttpRequest, slug: str) -> HttpResponse:
    who = actor(request)
    authorize(who, Action.LEDGER_RECEIVE)
    location = location_or_404(slug)
    values: dict[str, str] = {"received_on": local_today(location).isoformat()}
    errors: dict[str, str] = {}
    clash, status = "", 200
    if request.method == "POST":
        values = _posted(
            request,
            "storage_id",
            "product_id",
            "lot_number",
            "expires_on",
            "vials",
            "received_on",
            "supplier_name",
            "supplier_address",
            "supplier_dea_number",
            "invoice_number",
        )
        receipt, errors, clash, status = _attempt(lambda: services.receive(who, values))
        if receipt is not None:
            messages.success(
                request,
                f"Received {receipt.vials} vial(s) of lot {receipt.entry.lot.lot_number}.",
            )
            return redirect("web:ledger-stock", slug=slug)
    return render(
        request,
        "web/ledger/receive.html",
        {
            "location": location,
            "values": values,
            "errors": errors,
            "clash": clash,
            "storages": catalog.storage_at(who, slug),
            "products": catalog.products(who),
        },
        status=status,
    )


@service_view
def ledger_draw(request: HttpRequest, slug: str) -> HttpResponse:
    who = actor(request)
    authorize(who, Action.LEDGER_DRAW)
    location = location_or_404(slug)
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    clash, status = "", 200
    if request.method == "POST":
        values = _posted(request, "balance", "patient_mrn", "volume_ml", "reference")
        data = {
            **_balance_choice(values.get("balance", "")),
            **{k: v for k, v in values.items() if k in {"volume_ml", "reference"}},
        }
        patient_id = _patient_by_mrn(who, values.get("patient_mrn", ""))
        if patient_id is None:
            errors, status = {"patient_mrn": "no patient has this MRN"}, 422
        else:
            data["patient_id"] = str(patient_id)
            drawn, errors, clash, status = _attempt(lambda: services.draw(who, data))
            if drawn is not None:
                messages.success(request, f"Drew {plain(drawn.in_use_ml)} mL (draw {drawn.pk}).")
                return redirect("web:ledger-draw-detail", draw_id=drawn.pk)
        errors = _renamed(errors, {"storage_id": "balance", "lot_id": "balance"})
    return render(
        request,
        "web/ledger/draw.html",
        {
            "location": location,
            "values": values,
            "errors": errors,
            "clash": clash,
            "lot_options": _lot_options(
                stock.balances_at(who, slug), local_today(location), drawing=True
            ),
        },
        status=status,
    )


def _patient_by_mrn(who: Actor, mrn: str) -> int | None:
    """The patient with exactly this MRN, found through the audited patient search."""
    if not mrn:
        return None
    found = patients.search_patients(who, mrn, page_size=5)
    return next((p.pk for p in found.items if p.mrn.lower() == mrn.lower()), None)


def _renamed(errors: dict[str, str], names: Mapping[str, str]) -> dict[str, str]:
    return {names.get(field, field): message for field, message in errors.items()}


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
                    "values": _shown(values or {}) if name == form else {},
                    "errors": (errors or {}) if name == form else {},
                }
                for name in ("administered", "waste")
            },
            "clash": clash,
            "can": _abilities(who),
        },
        status=status,
    )


@service_view
def ledger_draw_detail(request: HttpRequest, draw_id: int) -> HttpResponse:
    return _draw_page(request, actor(request), draw_id)


@require_POST
@service_view
def ledger_administered(request: HttpRequest, draw_id: int) -> HttpResponse:
    who = actor(request)
    values = _posted(request, "volume_ml", "dose_mg")
    entry, errors, clash, status = _attempt(
        lambda: services.record_administered(who, draw_id, values)
    )
    if entry is None:
        return _draw_page(
            request,
            who,
            draw_id,
            form="administered",
            values=values,
            errors=errors,
            clash=clash,
            status=status,
        )
    messages.success(request, f"Recorded {plain(entry.amount_ml)} mL as administered.")
    return redirect("web:ledger-draw-detail", draw_id=draw_id)


@require_POST
@service_view
def ledger_waste(request: HttpRequest, draw_id: int) -> HttpResponse:
    who = actor(request)
    values = _posted(request, "volume_ml", "dose_mg", *WITNESS_FIELDS)
    entry, errors, clash, status = _attempt(lambda: services.waste(who, draw_id, values))
    if entry is None:
        return _draw_page(
            request,
            who,
            draw_id,
            form="waste",
            values=values,
            errors=errors,
            clash=clash,
            status=status,
        )
    messages.success(request, f"Recorded {plain(entry.amount_ml)} mL wasted, witnessed.")
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
        values = _posted(request, "reason", *WITNESS_FIELDS)
        entry, errors, clash, status = _attempt(lambda: services.reverse(who, entry_id, values))
        if entry is not None:
            messages.success(request, f"Entry {entry_id} reversed by entry {entry.pk}.")
            return redirect("web:ledger-stock", slug=original.storage.location.slug)
    return render(
        request,
        "web/ledger/reverse.html",
        {
            "entry": original,
            "location": original.storage.location,
            "values": _shown(values),
            "errors": errors,
            "clash": clash,
        },
        status=status,
    )


@service_view
def ledger_adjust(request: HttpRequest, slug: str) -> HttpResponse:
    who = actor(request)
    authorize(who, Action.LEDGER_CORRECT)
    location = location_or_404(slug)
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    clash, status = "", 200
    if request.method == "POST":
        values = _posted(request, "balance", "change_ml", "reason", *WITNESS_FIELDS)
        data = {**_balance_choice(values.get("balance", "")), **values}
        data.pop("balance", None)
        entry, errors, clash, status = _attempt(lambda: services.adjust(who, data))
        if entry is not None:
            messages.success(request, f"Adjustment recorded (entry {entry.pk}).")
            return redirect("web:ledger-stock", slug=slug)
        errors = _renamed(errors, {"storage_id": "balance", "lot_id": "balance"})
    return render(
        request,
        "web/ledger/adjust.html",
        {
            "location": location,
            "values": _shown(values),
            "errors": errors,
            "clash": clash,
            "lot_options": _lot_options(
                stock.balances_at(who, slug), local_today(location), drawing=False
            ),
        },
        status=status,
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
            "can": _abilities(who),
        },
    )


@service_view
def ledger_count_new(request: HttpRequest, slug: str, storage_id: int) -> HttpResponse:
    who = actor(request)
    authorize(who, Action.LEDGER_COUNT)
    location = location_or_404(slug)
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
        posted = _posted(request, "kind", "note", *WITNESS_FIELDS)
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
            **posted,
            **{f"full_vials_{lot_id}": full for lot_id, (full, _) in entered.items()},
            **{f"open_ml_{lot_id}": open_ml for lot_id, (_, open_ml) in entered.items()},
        }
        try:
            count = counts.record_count(who, {**posted, "storage_id": storage_id, "lines": lines})
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
            "values": _shown(values),
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
            "can": _abilities(who),
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
    values = _posted(request, "note", "adjust", *WITNESS_FIELDS)
    data = {**values, "adjust": values.get("adjust") == "on"}
    resolution, errors, clash, status = _attempt(
        lambda: counts.resolve_discrepancy(who, discrepancy_id, data)
    )
    if resolution is None:
        return _discrepancy_page(
            request,
            who,
            slug,
            failed=discrepancy_id,
            values=_shown(values),
            errors=errors,
            clash=clash,
            status=status,
        )
    messages.success(request, f"Discrepancy {discrepancy_id} resolved.")
    return redirect("web:ledger-discrepancies", slug=slug)


def _loss_page(request: HttpRequest, who: Actor, slug: str, **form: Any) -> HttpResponse:
    location = location_or_404(slug)
    today = local_today(location)
    return render(
        request,
        "web/ledger/losses.html",
        {
            "location": location,
            "reports": [
                (report, [(d, d.overdue(today)) for d in losses.deadlines(report)])
                for report in losses.loss_reports(who, slug)
            ],
            "today": today,
            "kinds": LossKind.choices,
            "filing_kinds": FilingKind.choices,
            "lot_options": _lot_options(stock.balances_at(who, slug), today, drawing=False),
            "open_discrepancies": counts.discrepancies(who, slug, open_only=True),
            "line_numbers": range(LOSS_FORM_LINES),
            "can": _abilities(who),
            **form,
        },
        status=form.get("status", 200),
    )


@service_view
def ledger_losses(request: HttpRequest, slug: str) -> HttpResponse:
    return _loss_page(request, actor(request), slug)


@require_POST
@service_view
def ledger_loss_new(request: HttpRequest, slug: str) -> HttpResponse:
    who = actor(request)
    values = _posted(
        request,
        "kind",
        "discovered_on",
        "circumstances",
        "police_notified",
        "police_department",
        "police_phone",
        "police_report_number",
        "discrepancy_id",
    )
    lines = []
    for index in range(LOSS_FORM_LINES):
        line = _posted(request, f"lot_{index}", f"containers_{index}", f"volume_ml_{index}")
        values.update(line)
        if line:
            lines.append(
                {
                    "lot_id": _balance_choice(line.get(f"lot_{index}", "")).get("lot_id", ""),
                    "containers": line.get(f"containers_{index}", "0"),
                    "volume_ml": line.get(f"volume_ml_{index}", ""),
                }
            )
    data: dict[str, Any] = {
        k: v for k, v in values.items() if not k.startswith(("lot_", "containers_", "volume_"))
    }
    data.update(location=slug, police_notified=values.get("police_notified") == "on", lines=lines)
    report, errors, clash, status = _attempt(lambda: losses.report_loss(who, data))
    if report is None:
        return _loss_page(
            request, who, slug, values=values, errors=errors, clash=clash, status=status
        )
    messages.success(request, f"Loss report {report.pk} recorded. Mind the deadlines below.")
    return redirect("web:ledger-losses", slug=slug)


@require_POST
@service_view
def ledger_filing(request: HttpRequest, slug: str, report_id: int) -> HttpResponse:
    who = actor(request)
    values = _posted(request, "kind", "filed_on", "reference")
    filing, errors, clash, status = _attempt(lambda: losses.record_filing(who, report_id, values))
    if filing is None:
        return _loss_page(
            request,
            who,
            slug,
            filing_failed=report_id,
            filing_errors=errors,
            clash=clash,
            status=status,
        )
    messages.success(request, f"{filing.get_kind_display()} recorded for report {report_id}.")
    return redirect("web:ledger-losses", slug=slug)


def _report_query(request: HttpRequest, slug: str, today: date) -> dict[str, str]:
    return {
        "location": slug,
        "kind": request.GET.get("kind", "dispensing"),
        "from": request.GET.get("from", "") or (today - timedelta(days=30)).isoformat(),
        "to": request.GET.get("to", "") or today.isoformat(),
    }


@service_view
def ledger_reports(request: HttpRequest, slug: str) -> HttpResponse:
    who = actor(request)
    authorize(who, Action.LEDGER_REPORT)
    location = location_or_404(slug)
    query = _report_query(request, slug, local_today(location))
    built, errors, _, status = _attempt(lambda: reports.build_report(who, query))
    page = (
        Paginator(built.rows, REPORT_PAGE_SIZE).get_page(request.GET.get("page")) if built else None
    )
    return render(
        request,
        "web/ledger/reports.html",
        {
            "location": location,
            "query": query,
            "report": built,
            "page": page,
            "rows": [[reports.cell_text(row[c]) for c in built.columns] for row in page]
            if built and page
            else [],
            "kinds": reports.KINDS.items(),
            "errors": errors,
        },
        status=status,
    )


@service_view
def ledger_report_csv(request: HttpRequest, slug: str) -> HttpResponse:
    who = actor(request)
    location = location_or_404(slug)
    query = _report_query(request, slug, local_today(location))
    built, errors, _, status = _attempt(lambda: reports.build_report(who, query))
    if built is None:
        text = "; ".join(f"{field}: {message}" for field, message in errors.items())
        return HttpResponse(text, status=status, content_type="text/plain")
    response = HttpResponse(reports.as_csv(built), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{built.filename}.csv"'
    return response


def _setup_page(request: HttpRequest, who: Actor, **form: Any) -> HttpResponse:
    return render(
        request,
        "web/ledger/setup.html",
        {
            "products": catalog.products(who),
            "controlled_drugs": catalog.controlled_drugs(),
            "locations": stock.locations(who),
            **form,
        },
        status=form.get("status", 200),
    )


@service_view
def ledger_setup(request: HttpRequest) -> HttpResponse:
    who = actor(request)
    authorize(who, Action.LEDGER_SETUP)
    return _setup_page(request, who)


@require_POST
@service_view
def ledger_product_new(request: HttpRequest) -> HttpResponse:
    who = actor(request)
    values = _posted(request, "name", "drug", "ndc", "strength_mg_per_ml", "vial_volume_ml")
    product, errors, _, status = _attempt(lambda: catalog.add_product(who, values))
    if product is None:
        return _setup_page(
            request, who, product_values=values, product_errors=errors, status=status
        )
    messages.success(request, f"Product {product.name} added.")
    return redirect("web:ledger-setup")


@require_POST
@service_view
def ledger_storage_new(request: HttpRequest) -> HttpResponse:
    who = actor(request)
    values = _posted(request, "location", "name", "description")
    storage, errors, _, status = _attempt(lambda: catalog.add_storage(who, values))
    if storage is None:
        return _setup_page(
            request, who, storage_values=values, storage_errors=errors, status=status
        )
    messages.success(request, f"Storage {storage.name} added at {storage.location.name}.")
    return redirect("web:ledger-setup")
