"""Ledger stock pages: the locations, a location's stock and book, receiving and adjusting."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.ledger import catalog, services, stock
from ketaclinic.records.ledger.common import local_today

from ...forms import attempt, page_number, posted
from ..common import actor, service_view
from .common import (
    BOOK_PAGE_SIZE,
    WITNESS_FIELDS,
    abilities,
    allowed_at,
    balance_choice,
    lot_options,
    renamed,
    shown,
)


@service_view
def ledger_home(request: HttpRequest) -> HttpResponse:
    who = actor(request)
    return render(
        request,
        "web/ledger/home.html",
        {"locations": stock.locations(who), "can": abilities(who)},
    )


@service_view
def ledger_stock(request: HttpRequest, slug: str) -> HttpResponse:
    who = actor(request)
    overview = stock.stock(who, slug)
    book = stock.entries(who, slug, page_number(request), BOOK_PAGE_SIZE)
    return render(
        request,
        "web/ledger/stock.html",
        {"stock": overview, "location": overview.location, "book": book, "can": abilities(who)},
    )


@service_view
def ledger_receive(request: HttpRequest, slug: str) -> HttpResponse:
    who = actor(request)
    location = allowed_at(who, Action.LEDGER_RECEIVE, slug)
    values: dict[str, str] = {"received_on": local_today(location).isoformat()}
    errors: dict[str, str] = {}
    clash, status = "", 200
    if request.method == "POST":
        values = posted(
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
        receipt, errors, clash, status = attempt(lambda: services.receive(who, values))
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
def ledger_adjust(request: HttpRequest, slug: str) -> HttpResponse:
    who = actor(request)
    location = allowed_at(who, Action.LEDGER_CORRECT, slug)
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    clash, status = "", 200
    if request.method == "POST":
        values = posted(request, "balance", "change_ml", "reason", *WITNESS_FIELDS)
        data = {**balance_choice(values.get("balance", "")), **values}
        data.pop("balance", None)
        entry, errors, clash, status = attempt(lambda: services.adjust(who, data))
        if entry is not None:
            messages.success(request, f"Adjustment recorded (entry {entry.pk}).")
            return redirect("web:ledger-stock", slug=slug)
        errors = renamed(errors, {"storage_id": "balance", "lot_id": "balance"})
    return render(
        request,
        "web/ledger/adjust.html",
        {
            "location": location,
            "values": shown(values),
            "errors": errors,
            "clash": clash,
            "lot_options": lot_options(
                stock.balances_at(who, slug), local_today(location), drawing=False
            ),
        },
        status=status,
    )
