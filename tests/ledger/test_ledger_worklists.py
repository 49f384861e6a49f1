"""The ledger's worklists on the home pages: a draw stays on the nurse's list until all of it
is given or wasted; a count discrepancy stays on the manager's until it is resolved."""

from __future__ import annotations

from typing import Any

from ledger_support import witness

from ketaclinic.records.ledger import counts, services
from ketaclinic.records.ledger import worklist as ledger


def test_a_draw_is_listed_until_it_is_accounted_for(
    web_as: Any, users: dict[str, Any], nurse: Any, storage: Any, stocked: Any, patient: Any
) -> None:
    assert ledger.draws_to_account(nurse).items == []
    drawn = services.draw(
        nurse,
        {
            "storage_id": storage.pk,
            "lot_id": stocked.pk,
            "patient_id": patient.pk,
            "volume_ml": "2",
        },
    )
    [item] = ledger.draws_to_account(nurse).items
    assert (item.key, item.title) == (drawn.pk, "Example, Ada")
    assert "2 mL of Ketamine HCl" in item.detail
    page = web_as(users["nurse"]).get("/today/").content.decode()
    assert f'href="/ledger/draws/{drawn.pk}/"' in page
    services.record_administered(nurse, drawn.pk, {"dose_mg": "35"})
    assert "1.3 mL" in ledger.draws_to_account(nurse).items[0].detail
    services.waste(nurse, drawn.pk, {"volume_ml": "1.3", **witness()})
    assert ledger.draws_to_account(nurse).total == 0


def test_a_discrepancy_is_listed_until_it_is_resolved(
    web_as: Any,
    users: dict[str, Any],
    actor_for: Any,
    nurse: Any,
    physician: Any,
    storage: Any,
    stocked: Any,
) -> None:
    manager = actor_for(users["manager"])
    assert ledger.open_discrepancies(manager).total == 0
    counts.record_count(
        nurse,
        {
            "storage_id": storage.pk,
            "kind": "end_of_day",
            "lines": [{"lot_id": stocked.pk, "full_vials": 1, "open_ml": "9.5"}],
            **witness(),
        },
    )
    listed = ledger.open_discrepancies(manager)
    [item] = listed.items
    assert item.place == storage.location.slug
    assert "Counted 19.5 mL, expected 20 mL" in item.detail
    page = web_as(users["manager"]).get("/today/").content.decode()
    assert f'href="/ledger/locations/{storage.location.slug}/discrepancies/"' in page
    counts.resolve_discrepancy(
        physician, item.key, {"note": "vial cracked", "adjust": True, **witness()}
    )
    assert ledger.open_discrepancies(manager).total == 0
