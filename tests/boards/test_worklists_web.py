"""Each role's home page holds its worklists: an item appears when the work exists, links to
where it is done, and goes when it is done; an empty list says "Nothing to do"."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.test import Client

from ketaclinic.records.accounts import administration, emergency
from ketaclinic.records.alerts import services as alerts
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.billing import money
from ketaclinic.records.context import Face
from ketaclinic.records.enquiries import services as enquiries
from ketaclinic.records.intake import entries, invitations, review
from ketaclinic.records.plans import orders, screening
from ketaclinic.records.plans import services as plans
from ketaclinic.records.sessions import lifecycle
from support import PASSWORD, SIGNED, record_baseline_results, sign_consent

PROTOCOL = "ketamine-iv-0.5mgkg-40min"
DOSE = {"dose_mg": 35, "volume_ml": 35, "rate_ml_per_h": 52.5}


def section(page: str, title: str) -> str:
    """The worklist titled ``title`` on the home page."""
    found = re.search(
        rf'<section class="card worklist"[^>]*>\s*<h2[^>]*>{re.escape(title)}.*?</section>',
        page,
        re.S,
    )
    assert found, f"no worklist {title!r}"
    return found.group(0)


def home(client: Client) -> str:
    answer = client.get("/")
    assert answer.status_code == 302
    assert answer["Location"] == "/today/"
    return client.get("/today/").content.decode()


def test_the_public_home_page_stays_public(db: Any) -> None:
    answer = Client().get("/")
    assert answer.status_code == 200
    assert "text/html" in answer["Content-Type"]


def test_the_physicians_alerts_plans_and_intake(
    web_as: Any, users: dict[str, Any], actor_for: Any, patient: Any
) -> None:
    physician = actor_for(users["physician"])
    client = web_as(users["physician"])
    page = home(client)
    for title in ("Open alerts", "Plans to sign", "Patient-entered intake to review"):
        assert "Nothing to do" in section(page, f'{title} <span class="muted">(0)')
    [alert] = alerts.raise_alerts(
        physician, patient, patient, [alerts.NewAlert("t", "Call her", "urgent")]
    )
    found = screening.run_screening(physician, patient.pk, {"pregnant": False})
    screening.decide(physician, found.pk, {"decision": "eligible", "note": "ok"})
    record_baseline_results(physician, patient.pk)
    sign_consent(physician, patient.pk, PROTOCOL)
    draft = plans.draft_plan(physician, patient.pk, {"protocol": PROTOCOL})
    invited = invitations.invite(actor_for(users["front_desk"]), patient.pk, {})
    strong = "amber-walrus-kettle-91"
    account = invitations.redeem(
        invited.token, {"username": "ada.example", "password": strong, "password_again": strong}
    )
    me = actor_for(account)
    entries.save_section(me, "contacts", {"sex": "female", "phone": "555-0100"})
    entries.save_section(me, "medicines", {"medications": [], "allergies": []})
    entries.save_section(me, "history", {"history_flags": []})
    sent = entries.submit(me)
    page = home(client)
    listed = section(page, 'Open alerts <span class="muted">(1)')
    assert "Example, Ada" in listed
    assert "Urgent: Call her" in listed
    assert f'href="/plans/{draft.pk}/"' in section(page, 'Plans to sign <span class="muted">(1)')
    intake = section(page, 'Patient-entered intake to review <span class="muted">(1)')
    assert f'href="/intake/reviews/{sent.pk}/"' in intake
    assert AuditEvent.objects.filter(action="plan.sign", detail__what="worklist").exists()
    alerts.acknowledge(physician, alert.pk, "called")
    plans.sign_plan(physician, draft.pk, SIGNED)
    review.confirm(physician, sent.pk, {})
    page = home(client)
    for title in ("Open alerts", "Plans to sign", "Patient-entered intake to review"):
        assert "Nothing to do" in section(page, f'{title} <span class="muted">(0)')


def test_the_nurses_chairs_and_preparations(
    web_as: Any,
    users: dict[str, Any],
    nurse: Any,
    second_nurse: Any,
    make_order: Callable[..., Any],
    patient: Any,
    book_today: Any,
) -> None:
    client = web_as(users["nurse"])
    page = home(client)
    assert "Nothing to do" in section(page, "Today&#x27;s chairs")
    assert "Nothing to do" in section(page, "Preparations to double-check")
    assert "Nothing to do" in section(page, "Ledger draws to account for")
    order = make_order(patient, verified=False)
    visit = book_today(patient)
    page = home(client)
    chairs = section(page, 'Today&#x27;s chairs <span class="muted">(1)')
    assert "Example, Ada" in chairs
    assert "Chair 1 · Booked" in chairs
    assert f'href="/chairs/{visit.location_id}/"' in chairs
    preparing = section(page, 'Preparations to double-check <span class="muted">(1)')
    assert "Awaiting preparation" in preparing
    assert f'href="/orders/{order.pk}/"' in preparing
    orders.prepare_order(nurse, order.pk, DOSE)
    assert "Awaiting the double-check" in section(home(client), "Preparations to double-check")
    orders.verify_order(second_nurse, order.pk, {**SIGNED, **DOSE})
    session = lifecycle.open_session(nurse, {"order_id": order.pk, "appointment_id": visit.pk})
    page = home(client)
    assert "Nothing to do" in section(page, "Preparations to double-check")
    chairs = section(page, "Today&#x27;s chairs")
    assert "Chair 1 · Arrived" in chairs
    assert f'href="/sessions/{session.pk}/"' in chairs
    lifecycle.transition(nurse, session.pk, {"command": "cancel", "reason": "unwell"})
    assert "Nothing to do" in section(home(client), "Today&#x27;s chairs")


def test_the_front_desks_arrivals_requests_and_balances(
    web_as: Any,
    users: dict[str, Any],
    desk: Any,
    manager: Any,
    nurse: Any,
    order: Any,
    patient: Any,
    book_today: Any,
) -> None:
    client = web_as(users["front_desk"])
    page = home(client)
    for title in ("Today&#x27;s arrivals", "Consultation requests", "Balances due"):
        assert "Nothing to do" in section(page, title)
    visit = book_today(patient)
    enquiries.submit(
        {
            "given_name": "Robin",
            "family_name": "Asking",
            "date_of_birth": "1979-05-04",
            "phone": "(602) 555-0142",
            "consent_to_contact": True,
        },
        address="198.51.100.7",
        face=Face.WEB,
    )
    money.record_adjustment(
        desk,
        patient.pk,
        {
            "amount_cents": 12500,
            "direction": "raise",
            "reason": "missed-visit fee",
            "witness_username": "manager-user",
            "witness_password": PASSWORD,
        },
    )
    page = home(client)
    arrivals = section(page, 'Today&#x27;s arrivals <span class="muted">(1)')
    assert "Example, Ada" in arrivals
    assert f'href="/patients/{patient.pk}/"' in arrivals
    asking = section(page, 'Consultation requests <span class="muted">(1)')
    assert "Asking, Robin" in asking
    owing = section(page, 'Balances due <span class="muted">(1)')
    assert "Owes $125.00" in owing
    assert f'href="/patients/{patient.pk}/billing/"' in owing
    lifecycle.open_session(nurse, {"order_id": order.pk, "appointment_id": visit.pk})
    [request] = enquiries.list_requests(desk).items
    enquiries.set_status(desk, request.request.pk, {"status": "contacted"})
    money.record_payment(desk, patient.pk, {"amount_cents": 12500, "method": "cash"})
    page = home(client)
    for title in ("Today&#x27;s arrivals", "Consultation requests", "Balances due"):
        assert "Nothing to do" in section(page, title)


def test_the_managers_locked_accounts_and_emergency_access(
    web_as: Any, users: dict[str, Any], manager: Any, nurse: Any, patient: Any, settings: Any
) -> None:
    client = web_as(users["manager"])
    page = home(client)
    for title in ("Ledger discrepancies", "Locked accounts", "Emergency-access uses to review"):
        assert "Nothing to do" in section(page, title)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post("/login/", {"username": "nurse-user", "password": "wrong"})
    emergency.restrict(
        manager,
        patient.pk,
        {"reason": "A colleague's own record.", "care_team": ["physician-user"]},
    )
    access = emergency.open_access(nurse, patient.pk, {"reason": "Unwell in the waiting room."})
    page = home(client)
    locked = section(page, 'Locked accounts <span class="muted">(1)')
    assert "nurse-user" in locked
    assert f'href="/accounts/#account-{users["nurse"].pk}"' in locked
    uses = section(page, 'Emergency-access uses to review <span class="muted">(1)')
    assert "Unwell in the waiting room." in uses
    assert 'href="/emergency-access/"' in uses
    administration.unlock(manager, users["nurse"].pk)
    emergency.review(manager, access.pk, {"note": "Appropriate."})
    page = home(client)
    assert "Nothing to do" in section(page, "Locked accounts")
    assert "Nothing to do" in section(page, "Emergency-access uses to review")
