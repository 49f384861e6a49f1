"""The demo ledger: a synthetic product, a receipt, draws given and wasted with a witness, a
biennial inventory that matches; loading again adds nothing."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ketaclinic.records.demo import load_demo
from ketaclinic.records.ledger.demo import DEMO_MIDAZOLAM, DEMO_NDC
from ketaclinic.records.ledger.models import Balance, Count, Discrepancy, Entry, Product


@pytest.fixture
def var_dir(settings: Any, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_demo_ledger_loads_once(db: Any, var_dir: Path) -> None:
    load_demo()
    product = Product.objects.get(ndc=DEMO_NDC)
    assert "DEMO" in product.name
    balance = Balance.objects.get(lot__product=product)
    # The demo session (when the demo has an order today) draws its dose from the same lot.
    for_session = sum(
        (
            e.in_use_ml
            for e in Entry.objects.filter(kind="draw", reference__startswith="infusions.")
        ),
        Decimal(0),
    )
    assert (balance.on_hand_ml + for_session, balance.in_use_ml) == (48, for_session)
    midazolam = Product.objects.get(ndc=DEMO_MIDAZOLAM["ndc"])
    assert (midazolam.drug, midazolam.schedule) == ("midazolam", "CIV")
    assert Balance.objects.get(lot__product=midazolam).on_hand_ml == 20
    waste = Entry.objects.get(kind="waste")
    assert (waste.recorded_by.username, waste.witness.username) == ("nurse", "physician")
    assert Count.objects.get().kind == "biennial"
    assert not Discrepancy.objects.exists()
    entries = Entry.objects.count()
    load_demo()
    assert Entry.objects.count() == entries
    assert Product.objects.count() == 2
