"""Account administration for managers, and the page a one-time password link opens."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ketaclinic.proxies import client_address
from ketaclinic.records.accounts import administration as admin
from ketaclinic.records.accounts.roles import Role
from ketaclinic.records.context import Actor, Face
from ketaclinic.records.errors import Conflict, InvalidInput

from ..forms import field_errors
from .common import actor, service_view


def _role_choices() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in Role.choices if value in admin.STAFF_ROLES]


def _page(request: HttpRequest, *, status: int = 200, **context: object) -> HttpResponse:
    return render(
        request,
        "web/accounts/list.html",
        {
            "accounts": admin.list_accounts(actor(request)),
            "roles": _role_choices(),
            **context,
        },
        status=status,
    )


@service_view
def account_list(request: HttpRequest) -> HttpResponse:
    return _page(request)


_CHANGES: dict[str, Callable[[Actor, int], object]] = {
    "deactivate": admin.deactivate,
    "reactivate": admin.reactivate,
    "unlock": admin.unlock,
}
_DONE = {"deactivate": "deactivated", "reactivate": "reactivated", "unlock": "unlocked"}


@require_POST
@service_view
def account_change(request: HttpRequest, account_id: int, change: str) -> HttpResponse:
    """Deactivate, reactivate or unlock one account; a refusal is shown above the list."""
    if change not in _CHANGES:
        return _page(request, status=404, error="No such change.")
    try:
        _CHANGES[change](actor(request), account_id)
    except (InvalidInput, Conflict) as error:
        return _page(request, status=409, error=str(error))
    return redirect(f"{reverse('web:account-list')}?done={_DONE[change]}")


@require_POST
@service_view
def account_role(request: HttpRequest, account_id: int) -> HttpResponse:
    try:
        admin.change_role(actor(request), account_id, request.POST.get("role", ""))
    except InvalidInput as error:
        return _page(request, status=422, error=field_errors(error).get("role", str(error)))
    except Conflict as error:
        return _page(request, status=409, error=str(error))
    return redirect(f"{reverse('web:account-list')}?done=role")


@require_POST
@service_view
def account_reset(request: HttpRequest, account_id: int) -> HttpResponse:
    """Issue a one-time password link and show it once, to hand to the account's owner."""
    try:
        secret = admin.issue_reset_link(actor(request), account_id)
    except Conflict as error:
        return _page(request, status=409, error=str(error))
    link = request.build_absolute_uri(reverse("web:password-reset", args=[secret]))
    return _page(request, reset_link=link, reset_for=account_id)


def password_reset(request: HttpRequest, secret: str) -> HttpResponse:
    """The one-time link's page: set a new password (no log-in needed; the link is the key)."""
    username = admin.reset_link_username(secret)
    if request.method != "POST":
        status = 200 if username else 404
        return render(request, "web/accounts/reset.html", {"username": username}, status=status)
    try:
        admin.use_reset_link(
            secret, request.POST.get("password", ""), client_address(request), Face.WEB
        )
    except InvalidInput as error:
        errors = field_errors(error)
        return render(
            request,
            "web/accounts/reset.html",
            {"username": username if "link" not in errors else None, "errors": errors},
            status=422,
        )
    return redirect(f"{reverse('web:login')}?reset=1")
