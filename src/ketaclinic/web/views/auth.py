"""Log-in, log-out and the landing page."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth import logout, views
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from ketaclinic.proxies import client_address
from ketaclinic.records.accounts import mfa
from ketaclinic.records.accounts.roles import Role
from ketaclinic.records.accounts.services import failed_login_reason
from ketaclinic.records.assessments import services as assessments
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.audit.choices import Outcome
from ketaclinic.records.context import Face

from . import public
from .common import actor
from .mfa import start_pending


class LoginView(views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if mfa.needs_second_factor(user):  # not logged in until the second factor
            return start_pending(self.request, user, self.get_success_url())
        response = super().form_valid(form)
        audit.record(actor(self.request), Audited.AUTH_LOGIN)
        return response

    def form_invalid(self, form):
        audit.record_anonymous(
            self.request.POST.get("username", ""),
            Audited.AUTH_LOGIN,
            Outcome.FAILED,
            Face.WEB,
            client_address(self.request),
            {"reason": failed_login_reason(self.request)},
        )
        return super().form_invalid(form)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit.record(actor(request), Audited.AUTH_LOGOUT, detail={"idle": "idle" in request.POST})
    idle = "idle" in request.POST
    logout(request)
    if not idle:
        return redirect("web:login")
    query = {"idle": "1"}
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        query["next"] = back
    return redirect(f"{reverse('web:login')}?{urlencode(query)}")


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on every site: answer with the static icon."""
    return HttpResponsePermanentRedirect(static("web/favicon.svg"))


@require_POST
def keep_alive(request: HttpRequest) -> HttpResponse:
    """ "Stay logged in": a request that renews the session's idle time and does nothing else."""
    if not request.user.is_authenticated:
        return HttpResponse(status=401)
    return HttpResponse(status=204)


def _patient_home(request: HttpRequest, patient_id: int) -> HttpResponse:
    """A patient lands on the questionnaires the clinic is waiting for, else on their chart."""
    if assessments.list_requests(actor(request), patient_id, open_only=True):
        return redirect("web:my-questionnaires")
    return redirect("web:patient-detail", patient_id=patient_id)


def home(request: HttpRequest) -> HttpResponse:
    """The public home page; a signed-in patient goes to what the clinic waits for, staff to
    their worklists."""
    if not request.user.is_authenticated:
        return public.public_home(request)
    role, patient_id = request.user.role, request.user.patient_id
    if role == Role.PATIENT and patient_id is not None:  # the database pairs them
        return _patient_home(request, patient_id)
    return redirect("web:worklist")  # the role's worklists
