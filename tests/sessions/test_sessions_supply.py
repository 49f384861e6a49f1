"""The session and the ledger as one: no start without a draw of the ordered drug for the
session (or a recorded reason), the draw made from the session, the flowsheet's account of
what was drawn, given and wasted, and no signature until given + wasted = drawn."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.ledger import catalog
from ketaclinic.records.ledger import services as ledger_services
from ketaclinic.records.ledger.models import Entry as LedgerEntry
from ketaclinic.records.ledger.models import EntryKind
from ketaclinic.records.sessions import ledger, lifecycle, reads, signing, supply
from ketaclinic.records.sessions.common import load_timeline
from ketaclinic.records.sessions.models import DrawWaiver
from support import PASSWORD, SIGNED

START = {"command": "start_infusion", "rate_ml_per_h": 52.5, "vtbi_ml": 35}


@pytest.fixture
def stock(physician: Any, nurse: Any, location: Any) -> Any:
    """Two 10 mL vials of ketamine 50 mg/mL in a cabinet at the session's location."""
    product = catalog.add_product(
        physician,
        {
            "name": "Ketamine 50 mg/mL (test)",
            "ndc": "99999-0050-10",
            "strength_mg_per_ml": "50",
            "vial_volume_ml": "10",
        },
    )
    cabinet = catalog.add_storage(physician, {"location": location.slug, "name": "Cabinet"})
    receipt = ledger_services.receive(
        nurse,
        {
            "storage_id": cabinet.pk,
            "product_id": product.pk,
            "lot_number": "LOT-1",
            "expires_on": (date.today() + timedelta(days=300)).isoformat(),
            "vials": 2,
            "received_on": date.today().isoformat(),
            "supplier_name": "Example Wholesale (synthetic)",
            "supplier_address": "2 Sample Road",
            "supplier_dea_number": "RS1234563",
            "invoice_number": "INV-1",
        },
    )
    return receipt.entry


def _draw(nurse: Any, session: Any, stock: Any, volume_ml: str = "1") -> LedgerEntry:
    return supply.draw_for_session(
        nurse,
        session.pk,
        {"storage_id": stock.storage_id, "lot_id": stock.lot_id, "volume_ml": volume_ml},
    )


def test_the_infusion_does_not_start_without_a_draw(
    nurse: Any, session: Any, walked: Callable[..., Any]
) -> None:
    walked("dose_verified", minutes_ago=30)
    with pytest.raises(Conflict, match="no ketamine has been drawn"):
        lifecycle.transition(nurse, session.pk, START)
    assert load_timeline(session).state == "dose_verified"


def test_a_draw_from_the_session_lets_it_start(
    nurse: Any, session: Any, walked: Callable[..., Any], stock: Any
) -> None:
    walked("dose_verified", minutes_ago=30)
    drawn = _draw(nurse, session, stock)
    assert drawn.patient_id == session.patient_id
    assert drawn.reference == f"infusions.session:{session.pk}"
    lifecycle.transition(nurse, session.pk, START)
    assert load_timeline(session).state == "infusing"


def test_a_recorded_reason_lets_it_start_without_a_draw(
    nurse: Any, session: Any, walked: Callable[..., Any]
) -> None:
    walked("dose_verified", minutes_ago=30)
    with pytest.raises(InvalidInput) as refused:
        supply.waive_draw(nurse, session.pk, {"reason": "  "})
    assert refused.value.errors[0].field == "reason"
    assert not DrawWaiver.objects.exists()
    supply.waive_draw(nurse, session.pk, {"reason": "Bag prepared by the hospital pharmacy"})
    lifecycle.transition(nurse, session.pk, START)
    assert load_timeline(session).state == "infusing"


def test_a_draw_needs_a_lot_at_the_sessions_location_and_a_checked_in_patient(
    nurse: Any, session: Any, walked: Callable[..., Any], stock: Any, physician: Any
) -> None:
    with pytest.raises(Conflict, match="checked in"):
        _draw(nurse, session, stock)
    walked("checked_in", minutes_ago=30)
    from ketaclinic.records.clinics.models import Location

    elsewhere = Location.objects.create(slug="far", name="Far clinic", time_zone="UTC")
    far = catalog.add_storage(physician, {"location": elsewhere.slug, "name": "Far cabinet"})
    with pytest.raises(InvalidInput) as refused:
        supply.draw_for_session(
            nurse, session.pk, {"storage_id": far.pk, "lot_id": stock.lot_id, "volume_ml": "1"}
        )
    assert refused.value.errors[0].field == "lot_id"
    with pytest.raises(InvalidInput) as refused:
        _draw(nurse, session, stock, volume_ml="-1")
    assert refused.value.errors[0].field == "volume_ml"
    assert not LedgerEntry.objects.filter(kind=EntryKind.DRAW).exists()


def test_the_signature_waits_until_given_and_wasted_equal_drawn(
    nurse: Any, second_nurse: Any, session: Any, walked: Callable[..., Any], stock: Any
) -> None:
    walked("dose_verified")
    _draw(nurse, session, stock, volume_ml="1")  # 50 mg for a 35 mg dose
    walked("discharged")
    with pytest.raises(Conflict, match="account for every draw before signing") as refused:
        signing.sign_session(nurse, session.pk, SIGNED)
    assert "50 mg drawn, 0 given, 0 wasted, 50 still to account for" in str(refused.value)
    ledger.post_to_ledger(
        nurse,
        session.pk,
        {
            "draw_id": stock_draw(session).pk,
            "witness_username": "second-nurse",
            "witness_password": PASSWORD,
        },
    )
    (account,) = reads.get_flowsheet(nurse, session.pk).supply.draws
    assert (account.account.given_mg, account.account.wasted_mg) == (Decimal(35), Decimal(15))
    assert account.account.settled
    assert signing.sign_session(nurse, session.pk, SIGNED).session_id == session.pk


def stock_draw(session: Any) -> LedgerEntry:
    return LedgerEntry.objects.get(kind=EntryKind.DRAW, reference=f"infusions.session:{session.pk}")


def test_the_flowsheet_shows_a_fully_accounted_draw(
    nurse: Any,
    session: Any,
    walked: Callable[..., Any],
    stock: Any,
    users: Any,
    web_as: Callable[[Any], Any],
) -> None:
    walked("dose_verified")
    drawn = _draw(nurse, session, stock, volume_ml="0.7")
    walked("discharged")
    ledger_services.record_administered(nurse, drawn.pk, {"volume_ml": "0.7"})
    page = web_as(users["nurse"]).get(f"/sessions/{session.pk}/").content.decode()
    assert "No open draw for this patient" not in page
    assert "Every draw of this session is accounted for" in page
    assert "0 ✓" in page


def test_the_api_draws_and_records_a_reason(
    session: Any, walked: Callable[..., Any], stock: Any, users: Any, api_as: Callable[..., Any]
) -> None:
    walked("checked_in", minutes_ago=30)
    api = api_as(users["nurse"])
    bad = api.post(f"/api/sessions/{session.pk}/draws", {"storage_id": stock.storage_id})
    assert bad.status_code == 422
    assert "lot_id" in bad.content.decode()
    made = api.post(
        f"/api/sessions/{session.pk}/draws",
        {"storage_id": stock.storage_id, "lot_id": stock.lot_id, "volume_ml": "0.7"},
    )
    assert made.status_code == 201, made.content
    assert made.json()["drawn_mg"] == "35"
    sheet = api.get(f"/api/sessions/{session.pk}").json()
    assert sheet["supply"]["draws"][0]["left_mg"] == "35"
    assert sheet["supply"]["drug"] == "ketamine"


def test_the_preparation_names_the_vial_the_location_holds(
    nurse: Any, session: Any, walked: Callable[..., Any], stock: Any
) -> None:
    walked("checked_in", minutes_ago=30)
    prepared = reads.get_flowsheet(nurse, session.pk).supply.preparation
    assert prepared is not None
    assert prepared.steps[0].startswith("Take 1 vial(s) of Ketamine 50 mg/mL (test)")
    assert "10 mg/mL" not in " ".join(prepared.steps)


def test_without_stock_the_preparation_says_so(
    nurse: Any, session: Any, walked: Callable[..., Any]
) -> None:
    walked("checked_in", minutes_ago=30)
    supplied = reads.get_flowsheet(nurse, session.pk).supply
    assert supplied.preparation is None
    assert "no stocked vial fits" in supplied.preparation_problem


def test_an_allergy_recorded_after_the_order_stops_the_start(
    nurse: Any, physician: Any, session: Any, walked: Callable[..., Any]
) -> None:
    from ketaclinic.records.patients import services as patients

    walked("dose_verified", minutes_ago=30)
    supply.waive_draw(nurse, session.pk, {"reason": "Bag prepared by the hospital pharmacy"})
    patients.update_patient(physician, session.patient_id, {"allergies": ["Ketamine (rash)"]})
    with pytest.raises(Conflict, match="allergic to ketamine"):
        lifecycle.transition(nurse, session.pk, START)
    assert load_timeline(session).state == "dose_verified"


def test_the_web_rescue_form_gives_against_a_prn_order(
    session: Any, walked: Callable[..., Any], users: Any, web_as: Callable[[Any], Any]
) -> None:
    from ketaclinic.records.sessions import rescue
    from ketaclinic.records.sessions.models import RescueMedication

    walked("infusing", minutes_ago=30)
    client = web_as(users["nurse"])
    page = client.get(f"/sessions/{session.pk}/").content.decode()
    assert "ondansetron 4 mg iv" in page
    order = next(p for p in rescue.prn_orders_for(session) if p.drug == "ondansetron")
    url = f"/sessions/{session.pk}/rescue/"
    refused = client.post(url, {"prn_order_id": order.pk, "dose_mg": "6"})
    assert refused.status_code == 422
    assert "Dose (mg)" in refused.content.decode()
    assert client.post(url, {"prn_order_id": order.pk, "dose_mg": "4"}).status_code == 302
    assert RescueMedication.objects.get().drug == "ondansetron"
