"""The second step of log-in (a code from the authenticator, or a recovery code) and enrolment
of an authenticator (a QR code drawn on the server, then a code to confirm it; the recovery
codes are shown once).

Between the password and the second factor the user is not logged in: the session only holds
who passed the password step (``mfa_pending``), for a few minutes.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model, login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from ketaclinic.records.accounts import mfa
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.context import Actor, Face
from ketaclinic.records.errors import Conflict, InvalidInput

from .common import actor

if TYPE_CHECKING:
    from ketaclinic.records.accounts.models import User

PENDING = "mfa_pending"
PENDING_SECONDS = 300


def start_pending(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    """After the password step: remember who, and send them to the code or to enrolment."""
    request.session[PENDING] = {
        "user": user.pk,
        "backend": getattr(user, "backend", ""),
        "next": next_url,
        "at": time.time(),
    }
    return redirect("web:mfa-enrol" if mfa.must_enrol(user) else "web:mfa-verify")


def _pending_user(request: HttpRequest) -> User | None:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    found: User | None = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    return found


def _finish_login(request: HttpRequest, user: User, accepted: str) -> HttpResponse:
    pending = request.session.pop(PENDING, {})
    login(request, user, backend=pending.get("backend") or None)
    audit.record(actor(request), Audited.AUTH_LOGIN, detail={"second_factor": accepted})
    target = str(pending.get("next", ""))
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = ""
    return redirect(target or "web:home")


def _pending_actor(request: HttpRequest, user: User) -> Actor:
    return Actor.from_request(request, Face.WEB, user=user)


def mfa_verify(request: HttpRequest) -> HttpResponse:
    """The second step of log-in: a code from the authenticator, or a recovery code."""
    user = _pending_user(request)
    if user is None:
        return redirect("web:login")
    error = ""
    if request.method == "POST":
        code = str(request.POST.get("otp", ""))
        accepted = mfa.second_factor_for_login(request, _pending_actor(request, user), code)
        if accepted is not None:
            return _finish_login(request, user, accepted)
        error = "That code is wrong or already used. Repeated failures lock the account."
    status = 401 if error else 200
    return render(request, "web/mfa/verify.html", {"error": error}, status=status)


def mfa_enrol(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator: at log-in when the role requires one, or from the account page."""
    pending = _pending_user(request)
    user = pending if pending is not None else request.user
    if not user.is_authenticated:
        return redirect("web:login")
    if mfa.has_device(user):
        return redirect("web:mfa-account" if pending is None else "web:mfa-verify")
    who = _pending_actor(request, user) if pending is not None else actor(request)
    error = ""
    if request.method == "POST":
        try:
            codes = mfa.confirm_enrolment(who, str(request.POST.get("otp", "")))
        except InvalidInput as refused:
            error = refused.errors[0].message
        except Conflict as refused:
            error = str(refused)
        else:
            if pending is not None:
                _finish_login(request, user, "totp")
            return render(request, "web/mfa/recovery_codes.html", {"codes": codes})
    # A wrong code keeps the secret the app has just read; a fresh visit starts afresh.
    secret = (mfa.pending_secret(user) if error else None) or mfa.start_enrolment(user)
    context = {
        "pending": pending is not None,
        "error": error,
        "secret": secret,
        "qr": mfa.qr_svg(mfa.provisioning_uri(user, secret)),
    }
    return render(request, "web/mfa/enrol.html", context, status=422 if error else 200)


def mfa_account(request: HttpRequest) -> HttpResponse:
    """The user's own second factor: enrolled or not, recovery codes left."""
    if not request.user.is_authenticated:
        return redirect("web:login")
    user = request.user
    context = {
        "enrolled": mfa.has_device(user),
        "required": mfa.needs_second_factor(user),
        "codes_left": mfa.recovery_codes_left(user),
    }
    return render(request, "web/mfa/account.html", context)
