"""The billing pages: the front desk takes a payment in dollars (kept in cents), sees the
receipt; the day close shows it by method and takes the cash count; clinicians see no money;
a patient sees their own balance, receipts and superbill in the portal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ketaclinic.records.billing.models import CashCount, Entry
from ketaclinic.records.toolkit import local_today


def test_the_front_desk_takes_a_payment_and_closes_the_day(
    web_as: Callable[[Any], Any], users: dict[str, Any], patient: Any, location: Any
) -> None:
    client = web_as(users["front_desk"])
    page = f"/patients/{patient.pk}/billing/"
    assert client.get(page).status_code == 200
    refused = client.post(page, {"form": "payment", "amount": "12.505", "method": "cash"})
    assert refused.status_code == 422
    assert b"fraction of a cent" in refused.content
    assert not Entry.objects.exists()
    done = client.post(
        page, {"form": "payment", "amount": "12.50", "method": "cash", "location": "test"}
    )
    assert done.status_code == 302
    entry = Entry.objects.get()
    assert entry.amount_cents == 1250
    shown = client.get(page)
    assert b"-$12.50" in shown.content
    receipt = client.get(f"/patients/{patient.pk}/billing/receipts/{entry.pk}.pdf")
    assert receipt["Content-Type"] == "application/pdf"
    day = local_today(location.zone).isoformat()
    close = client.get(f"/billing/?location=test&date={day}")
    assert close.status_code == 200
    assert b"$12.50" in close.content
    counted = client.post(
        "/billing/", {"location": "test", "day": day, "counted": "10.00", "note": "short"}
    )
    assert counted.status_code == 302
    count = CashCount.objects.get()
    assert (count.counted_cents, count.expected_cents) == (1000, 1250)
    assert b"-$2.50" in client.get(f"/billing/?location=test&date={day}").content


def test_clinicians_see_no_money_on_the_web(
    web_as: Callable[[Any], Any], users: dict[str, Any], patient: Any, location: Any
) -> None:
    for role in ("physician", "nurse"):
        client = web_as(users[role])
        assert client.get(f"/patients/{patient.pk}/billing/").status_code == 403
        assert client.get("/billing/").status_code == 403
        assert b"/billing/" not in client.get(f"/patients/{patient.pk}/").content


def test_a_patient_sees_their_own_billing(
    web_as: Callable[[Any], Any],
    users: dict[str, Any],
    patient_user: Any,
    patient: Any,
    location: Any,
    register: Callable[..., Any],
) -> None:
    staff = web_as(users["front_desk"])
    staff.post(
        f"/patients/{patient.pk}/billing/",
        {"form": "payment", "amount": "40", "method": "card", "reference": "T-77"},
    )
    entry = Entry.objects.get()
    mine = web_as(patient_user)
    page = mine.get("/my/billing/")
    assert page.status_code == 200
    assert b"-$40.00" in page.content
    assert mine.get(f"/my/billing/receipts/{entry.pk}.pdf").status_code == 200
    day = entry.service_on.isoformat()
    superbill = mine.get(f"/my/billing/superbill.pdf?from={day}&to={day}")
    assert superbill["Content-Type"] == "application/pdf"
    other = register(mrn="MRN-0002")
    assert mine.get(f"/patients/{other.pk}/billing/").status_code == 403
