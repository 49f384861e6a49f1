"""Protocol pages: the list with evidence notes, and one protocol with its limits and sources."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ketaclinic.records.plans import catalog

from .common import actor, service_view


@service_view
def protocol_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "web/protocols/list.html", {"protocols": catalog.list_protocols(actor(request))}
    )


@service_view
def protocol_detail(request: HttpRequest, protocol_id: str) -> HttpResponse:
    protocol = catalog.get_protocol(actor(request), protocol_id)
    return render(
        request,
        "web/protocols/detail.html",
        {
            "protocol": protocol,
            "data": protocol.as_dict(),
            "concentrations": catalog.concentrations_mg_per_ml(protocol),
        },
    )
