"""A member of staff's home page: the worklists of their role, each item a link to where the
work is done."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from ketaclinic.records.accounts import worklist as accounts
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.roles import Role
from ketaclinic.records.accounts.services import may
from ketaclinic.records.alerts import worklist as alerts
from ketaclinic.records.billing import balances
from ketaclinic.records.context import Actor
from ketaclinic.records.enquiries import worklist as enquiries
from ketaclinic.records.intake import worklist as intake
from ketaclinic.records.ledger import worklist as ledger
from ketaclinic.records.plans import worklist as plans
from ketaclinic.records.sessions import today as todays_visits
from ketaclinic.records.worklists import WorkItem, Worklist

from .common import actor, service_view

Read = Callable[[Actor], Worklist]

WORKLISTS: dict[str, tuple[tuple[Action, Read, str], ...]] = {
    Role.PHYSICIAN: (
        (Action.ALERT_VIEW, alerts.alerts_to_act_on, "web:alert-list"),
        (Action.PLAN_SIGN, plans.plans_to_sign, ""),
        (Action.INTAKE_REVIEW, intake.intakes_to_review, "web:intake-reviews"),
    ),
    Role.NURSE: (
        (Action.SESSION_BOARD, todays_visits.chairs_today, "web:live-board"),
        (Action.ORDER_VERIFY, plans.orders_to_verify, ""),
        (Action.LEDGER_VIEW, ledger.draws_to_account, "web:ledger-home"),
    ),
    Role.FRONT_DESK: (
        (Action.BOOKING_VIEW, todays_visits.arrivals_today, "web:day-board"),
        (Action.ENQUIRY_VIEW, enquiries.new_requests, "web:enquiry-list"),
        (Action.BILLING_REPORT, balances.balances_due, "web:day-close"),
    ),
    Role.MANAGER: (
        (Action.LEDGER_VIEW, ledger.open_discrepancies, "web:ledger-home"),
        (Action.ACCOUNT_MANAGE, accounts.locked_accounts, "web:account-list"),
        (Action.EMERGENCY_REVIEW, accounts.emergency_uses_to_review, "web:emergency-reviews"),
    ),
}
"""Each role's lists: the permission that lets it read one, the read, the page of it all."""


def link(item: WorkItem) -> str:
    """Where the work of an item is done."""
    kind, key = item.kind, item.key
    if kind == "discrepancy":
        return reverse("web:ledger-discrepancies", args=[item.place])
    if kind in ("patient", "patient-billing"):
        name = "web:patient-detail" if kind == "patient" else "web:patient-billing"
        return reverse(name, args=[item.patient_id])
    names = {
        "plan": "web:plan-detail",
        "intake": "web:intake-review",
        "order": "web:order-detail",
        "draw": "web:ledger-draw-detail",
        "session": "web:session-detail",
        "chairs": "web:live-board-location",
        "request": "web:enquiry-detail",
    }
    if kind in names:
        return reverse(names[kind], args=[key])
    if kind == "account":
        return reverse("web:account-list") + f"#account-{key}"
    pages = {"alert": "web:alert-list", "emergency-access": "web:emergency-reviews"}
    return reverse(pages[kind])


@dataclass(frozen=True)
class Shown:
    worklist: Worklist
    links: list[tuple[WorkItem, str]]
    everything: str
    """The page with the whole list, if there is one."""


@service_view
def worklist_page(request: HttpRequest) -> HttpResponse:
    who = actor(request)
    shown = [
        Shown(found, [(item, link(item)) for item in found.items], reverse(page) if page else "")
        for action, read, page in WORKLISTS.get(getattr(request.user, "role", ""), ())
        if may(who, action)
        for found in (read(who),)
    ]
    return render(request, "web/home/worklists.html", {"lists": shown})
