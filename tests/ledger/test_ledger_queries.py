"""Pages and reports cost the same number of queries however long the book is (no N+1)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from ledger_support import witness

from ketaclinic.records.ledger import counts, services

TODAY = date.today().isoformat()


def _activity(nurse: Any, storage: Any, lot: Any, patient: Any, times: int) -> None:
    for _ in range(times):
        drawn = services.draw(
            nurse,
            {"storage_id": storage.pk, "lot_id": lot.pk, "patient_id": patient.pk, "volume_ml": 1},
        )
        services.record_administered(nurse, drawn.pk, {"volume_ml": "0.5"})
        services.waste(nurse, drawn.pk, {"volume_ml": "0.2", **witness()})
    counts.record_count(
        nurse,
        {
            "storage_id": storage.pk,
            "kind": "spot",
            "lines": [{"lot_id": lot.pk, "full_vials": 0, "open_ml": "1"}],
            **witness(),
        },
    )


def _queries(get: Any, urls: list[str]) -> list[int]:
    """How many queries each page costs."""
    used = []
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            assert get(url).status_code == 200, url
        used.append(len(captured))
    return used


def test_query_counts_do_not_grow_with_the_book(
    web_as: Any,
    api_as: Any,
    users: dict[str, Any],
    nurse: Any,
    storage: Any,
    stocked: Any,
    patient: Any,
    location: Any,
) -> None:
    base = f"/ledger/locations/{location.slug}"
    span = f"from={TODAY}&to={TODAY}"
    pages = [
        f"{base}/",
        f"{base}/counts/",
        f"{base}/discrepancies/",
        f"{base}/losses/",
        *(f"{base}/reports/?kind={kind}&{span}" for kind in ("dispensing", "waste", "inventory")),
    ]
    api = f"/api/ledger/locations/{location.slug}"
    endpoints = [f"{api}/stock", f"{api}/entries", f"{api}/counts", f"{api}/discrepancies"]
    web, client = web_as(users["physician"]).get, api_as(users["physician"]).get
    _activity(nurse, storage, stocked, patient, 2)
    _queries(web, pages[:1])  # the first request also loads the session
    few = _queries(web, pages), _queries(client, endpoints)
    _activity(nurse, storage, stocked, patient, 6)
    assert (_queries(web, pages), _queries(client, endpoints)) == few
