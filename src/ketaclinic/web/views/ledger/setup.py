"""Ledger set-up: products and storage."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.context import Actor
from ketaclinic.records.ledger import catalog, stock

from ...forms import attempt, posted
from ..common import actor, service_view


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
    values = posted(request, "name", "drug", "ndc", "strength_mg_per_ml", "vial_volume_ml")
    product, errors, _, status = attempt(lambda: catalog.add_product(who, values))
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
    values = posted(request, "location", "name", "description")
    storage, errors, _, status = attempt(lambda: catalog.add_storage(who, values))
    if storage is None:
        return _setup_page(
            request, who, storage_values=values, storage_errors=errors, status=status
        )
    messages.success(request, f"Storage {storage.name} added at {storage.location.name}.")
    return redirect("web:ledger-setup")
