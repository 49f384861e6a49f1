"""Schedule IV products (midazolam, lorazepam) go through the same book as ketamine: receipt,
draw, administration, witnessed waste and counts; the schedule follows from the drug."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from ledger_support import PRODUCT, ml, receipt, witness

from ketaclinic.records.context import Actor
from ketaclinic.records.errors import InvalidInput
from ketaclinic.records.ledger import catalog, counts, services
from ketaclinic.records.ledger.models import Product

MIDAZOLAM = {
    "name": "Midazolam 1 mg/mL, 5 mL vial (test)",
    "drug": "midazolam",
    "ndc": "99999-0101-05",
    "strength_mg_per_ml": "1",
    "vial_volume_ml": "5",
}


def test_a_midazolam_product_is_schedule_iv(physician: Actor) -> None:
    product = catalog.add_product(physician, MIDAZOLAM)
    assert (product.drug, product.schedule) == ("midazolam", "CIV")


def test_ketamine_stays_schedule_iii(physician: Actor) -> None:
    assert catalog.add_product(physician, PRODUCT).schedule == "CIII"


def test_a_schedule_that_contradicts_the_drug_is_refused(physician: Actor) -> None:
    with pytest.raises(InvalidInput) as refused:
        catalog.add_product(physician, {**MIDAZOLAM, "schedule": "CIII"})
    assert refused.value.errors[0].field == "schedule"
    assert not Product.objects.exists()


def test_a_drug_the_ledger_does_not_keep_is_refused(physician: Actor) -> None:
    with pytest.raises(InvalidInput) as refused:
        catalog.add_product(physician, {**MIDAZOLAM, "drug": "ondansetron"})
    assert refused.value.errors[0].field == "drug"
    assert not Product.objects.exists()


def test_midazolam_is_drawn_given_wasted_and_counted(
    physician: Actor, nurse: Actor, storage: Any, patient: Any
) -> None:
    product = catalog.add_product(physician, MIDAZOLAM)
    lot = services.receive(nurse, receipt(storage, product, vials=2)).entry.lot
    drawn = services.draw(
        nurse,
        {"storage_id": storage.pk, "lot_id": lot.pk, "patient_id": patient.pk, "volume_ml": "2"},
    )
    services.record_administered(nurse, drawn.pk, {"dose_mg": "1"})
    wasted = services.waste(nurse, drawn.pk, {"volume_ml": "1", **witness()})
    assert wasted.witness is not None
    count = counts.record_count(
        nurse,
        {
            "storage_id": storage.pk,
            "kind": "end_of_day",
            "lines": [{"lot_id": lot.pk, "full_vials": 1, "open_ml": "3"}],
            **witness(),
        },
    )
    line = count.lines.get()
    assert line.expected_ml == ml(8)
    assert line.difference_ml == 0


def test_the_api_adds_a_schedule_iv_product(
    users: dict[str, Any], api_as: Callable[[Any], Any]
) -> None:
    response = api_as(users["manager"]).post("/api/ledger/products", MIDAZOLAM)
    assert response.status_code == 201, response.content
    assert response.json()["schedule"] == "CIV"
    assert response.json()["drug"] == "midazolam"
    refused = api_as(users["manager"]).post(
        "/api/ledger/products", {**MIDAZOLAM, "drug": "aspirin"}
    )
    assert refused.status_code == 422
    assert "drug" in refused.content.decode()
