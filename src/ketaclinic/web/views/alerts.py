"""The clinic-wide alert list and acknowledging an alert with a note."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from ketaclinic.records.alerts import services as alerts
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput

from .common import actor, service_view


@service_view
def alert_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "web/alerts/list.html", {"alerts": alerts.open_alerts(actor(request))[:200]}
    )


@require_POST
@service_view
def alert_acknowledge(request: HttpRequest, alert_id: int) -> HttpResponse:
    return _answer(request, alert_id, alerts.acknowledge)


@require_POST
@service_view
def alert_note(request: HttpRequest, alert_id: int) -> HttpResponse:
    """A note of what was done on an alert its addressee closes."""
    return _answer(request, alert_id, alerts.add_note)


def _answer(
    request: HttpRequest, alert_id: int, service: Callable[[Actor, int, str], object]
) -> HttpResponse:
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    try:
        service(actor(request), alert_id, request.POST.get("note", ""))
    except (InvalidInput, Conflict) as error:
        return render(
            request,
            "web/alerts/list.html",
            {"alerts": alerts.open_alerts(actor(request))[:200], "error": str(error)},
            status=422 if isinstance(error, InvalidInput) else 409,
        )
    return redirect(back or "web:alert-list")
