"""Every ledger endpoint, its answers and its errors; nothing can be changed or deleted."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from ledger_support import PRODUCT, receipt, witness

from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.ledger.models import Entry

TODAY = date.today().isoformat()


@pytest.fixture
def nurse_api(api_as: Any, users: dict[str, Any], witness_user: Any) -> Any:
    return api_as(users["nurse"])


@pytest.fixture
def drawn(nurse_api: Any, storage: Any, stocked: Any, patient: Any) -> dict[str, Any]:
    answer = nurse_api.post(
        "/api/ledger/draws",
        {"storage_id": storage.pk, "lot_id": stocked.pk, "patient_id": patient.pk, "volume_ml": 2},
    )
    assert answer.status_code == 201, answer.content
    return answer.json()


def _fields(answer: Any) -> set[str]:
    return {error["field"] for error in answer.json()["errors"]}


def test_setup_products_and_storage(api_as: Any, users: dict[str, Any], location: Any) -> None:
    manager = api_as(users["manager"])
    made = manager.post("/api/ledger/products", PRODUCT)
    assert made.status_code == 201
    assert made.json()["strength_mg_per_ml"] == "50"
    again = manager.post("/api/ledger/products", PRODUCT)
    assert (again.status_code, _fields(again)) == (422, {"ndc"})
    bad = manager.post("/api/ledger/products", {**PRODUCT, "ndc": "123", "schedule": "CII"})
    assert bad.status_code == 422
    cabinet = manager.post("/api/ledger/storage", {"location": location.slug, "name": "Safe"})
    assert cabinet.status_code == 201
    assert cabinet.json()["location"] == location.slug
    assert [
        s["name"] for s in manager.get(f"/api/ledger/locations/{location.slug}/storage").json()
    ] == ["Safe"]
    assert manager.get("/api/ledger/products").json()[0]["ndc"] == PRODUCT["ndc"]
    assert api_as(users["nurse"]).post("/api/ledger/products", PRODUCT).status_code == 403


def test_receive_and_refusals(nurse_api: Any, storage: Any, product: Any) -> None:
    made = nurse_api.post("/api/ledger/receipts", receipt(storage, product))
    assert made.status_code == 201
    body = made.json()
    assert (body["vials"], body["entry"]["on_hand_ml"], body["entry"]["on_hand_mg"]) == (
        2,
        "20",
        "1000",
    )
    negative = nurse_api.post("/api/ledger/receipts", receipt(storage, product, vials=-3))
    assert (negative.status_code, _fields(negative)) == (422, {"vials"})
    failed = AuditEvent.objects.get(action="ledger.receive", outcome="failed")
    assert (failed.face, failed.detail["fields"]) == ("api", ["vials"])
    extra = nurse_api.post("/api/ledger/receipts", {**receipt(storage, product), "price": 1})
    assert (extra.status_code, _fields(extra)) == (422, {"price"})
    not_json = nurse_api.post("/api/ledger/receipts", "{not json")
    assert not_json.status_code == 400
    assert Entry.objects.count() == 1


def test_draw_use_and_waste(
    nurse_api: Any, drawn: dict[str, Any], patient: Any, witness_user: Any
) -> None:
    assert (drawn["kind"], drawn["in_use_ml"], drawn["patient_id"]) == ("draw", "2", patient.pk)
    draw_id = drawn["id"]
    given = nurse_api.post(f"/api/ledger/draws/{draw_id}/administered", {"dose_mg": 35})
    assert (given.status_code, given.json()["in_use_mg"]) == (201, "-35")
    too_much = nurse_api.post(
        f"/api/ledger/draws/{draw_id}/waste", {"volume_ml": "1.4", **witness()}
    )
    assert (too_much.status_code, _fields(too_much)) == (422, {"volume_ml"})
    same = nurse_api.post(
        f"/api/ledger/draws/{draw_id}/waste", {"volume_ml": "1.3", **witness("nurse-user")}
    )
    assert (same.status_code, _fields(same)) == (422, {"witness_username"})
    wasted = nurse_api.post(f"/api/ledger/draws/{draw_id}/waste", {"volume_ml": "1.3", **witness()})
    assert (wasted.status_code, wasted.json()["witness"]) == (201, witness_user.username)
    detail = nurse_api.get(f"/api/ledger/draws/{draw_id}").json()
    assert (detail["remaining_ml"], len(detail["uses"]), detail["reversed"]) == ("0", 2, False)
    assert nurse_api.get("/api/ledger/draws/999").status_code == 404
    assert nurse_api.post("/api/ledger/draws/999/administered", {"volume_ml": 1}).status_code == 404


def test_drawing_past_the_last_vial_is_a_conflict(
    nurse_api: Any, storage: Any, stocked: Any, patient: Any
) -> None:
    spot = {"storage_id": storage.pk, "lot_id": stocked.pk, "patient_id": patient.pk}
    assert nurse_api.post("/api/ledger/draws", {**spot, "volume_ml": 20}).status_code == 201
    clash = nurse_api.post("/api/ledger/draws", {**spot, "volume_ml": 1})
    assert clash.status_code == 409
    assert "on hand" in clash.json()["detail"]


def test_adjust_and_reverse(
    nurse_api: Any, drawn: dict[str, Any], storage: Any, stocked: Any
) -> None:
    adjusted = nurse_api.post(
        "/api/ledger/adjustments",
        {
            "storage_id": storage.pk,
            "lot_id": stocked.pk,
            "change_ml": "-1",
            "reason": "vial dropped",
            **witness(),
        },
    )
    assert (adjusted.status_code, adjusted.json()["on_hand_after_ml"]) == (201, "17")
    reversed_ = nurse_api.post(
        f"/api/ledger/entries/{drawn['id']}/reverse", {"reason": "wrong lot", **witness()}
    )
    assert (reversed_.status_code, reversed_.json()["reverses_id"]) == (201, drawn["id"])
    twice = nurse_api.post(
        f"/api/ledger/entries/{drawn['id']}/reverse", {"reason": "again", **witness()}
    )
    assert twice.status_code == 409
    missing = nurse_api.post("/api/ledger/entries/999/reverse", {"reason": "x", **witness()})
    assert missing.status_code == 404


def test_stock_entries_counts_discrepancies(
    nurse_api: Any,
    api_as: Any,
    users: dict[str, Any],
    drawn: dict[str, Any],
    location: Any,
    storage: Any,
    stocked: Any,
) -> None:
    slug = location.slug
    overview = nurse_api.get(f"/api/ledger/locations/{slug}/stock").json()
    assert overview["balances"][0]["on_hand_ml"] == "18"
    assert overview["open_draws"][0]["draw_id"] == drawn["id"]
    assert overview["biennial"]["overdue"] is True
    page = nurse_api.get(f"/api/ledger/locations/{slug}/entries", page_size=1).json()
    assert (page["total"], page["pages"], page["items"][0]["kind"]) == (2, 2, "draw")
    assert nurse_api.get(f"/api/ledger/locations/{slug}/entries", page=0).status_code == 422
    counted = nurse_api.post(
        "/api/ledger/counts",
        {
            "storage_id": storage.pk,
            "kind": "end_of_day",
            "lines": [{"lot_id": stocked.pk, "full_vials": 1, "open_ml": "7"}],
            **witness(),
        },
    )
    assert counted.status_code == 201
    line = counted.json()["lines"][0]
    assert (line["difference_ml"], line["discrepancy_id"] is not None) == ("-1", True)
    listed = nurse_api.get(f"/api/ledger/locations/{slug}/counts").json()
    assert listed[0]["lines"][0]["counted_ml"] == "17"
    found = nurse_api.get(f"/api/ledger/locations/{slug}/discrepancies", open_only=True).json()
    assert [d["difference_mg"] for d in found] == ["-50"]
    physician = api_as(users["physician"])
    resolve = f"/api/ledger/discrepancies/{found[0]['id']}/resolve"
    assert nurse_api.post(resolve, {"note": "x"}).status_code == 403
    done = physician.post(resolve, {"note": "vial cracked", "adjust": True, **witness()})
    assert (done.status_code, done.json()["adjustment_id"] is not None) == (201, True)
    assert physician.post(resolve, {"note": "again"}).status_code == 409
    assert nurse_api.get("/api/ledger/locations/nowhere/stock").status_code == 404


def test_loss_reports_and_filings(
    api_as: Any, users: dict[str, Any], location: Any, stocked: Any
) -> None:
    manager = api_as(users["manager"])
    body = {
        "location": location.slug,
        "kind": "significant_loss",
        "discovered_on": TODAY,
        "circumstances": "One vial missing at the morning count.",
        "police_notified": False,
        "lines": [{"lot_id": stocked.pk, "containers": 1, "volume_ml": 10}],
    }
    made = manager.post("/api/ledger/loss-reports", body)
    assert made.status_code == 201
    report = made.json()
    assert [d["kind"] for d in report["deadlines"]] == ["written_notice", "form_106"]
    police = manager.post("/api/ledger/loss-reports", {**body, "police_notified": True})
    assert (police.status_code, _fields(police)) == (422, {"police_department"})
    filing = manager.post(
        f"/api/ledger/loss-reports/{report['id']}/filings",
        {"kind": "form_106", "filed_on": TODAY, "reference": "106-XYZ"},
    )
    assert filing.status_code == 201
    listed = manager.get(f"/api/ledger/locations/{location.slug}/loss-reports").json()
    assert [d["filed_on"] for d in listed[0]["deadlines"]] == [None, TODAY]


def test_reports_json_and_csv(nurse_api: Any, drawn: dict[str, Any], location: Any) -> None:
    url = f"/api/ledger/locations/{location.slug}/reports"
    document = nurse_api.get(f"{url}/dispensing", **{"from": TODAY, "to": TODAY}).json()
    assert (document["from"], document["to"], document["rows"][0]["volume_ml"]) == (
        TODAY,
        TODAY,
        "2",
    )
    answer = nurse_api.get(f"{url}/inventory", **{"from": TODAY, "to": TODAY, "format": "csv"})
    assert answer["Content-Type"].startswith("text/csv")
    assert "attachment" in answer["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.content.decode())))
    assert rows[0]["closing_ml"] == "18"
    bad = nurse_api.get(f"{url}/inventory", **{"from": TODAY, "to": "2000-01-01"})
    assert (bad.status_code, _fields(bad)) == (422, {"to"})
    unknown = nurse_api.get(f"{url}/everything", **{"from": TODAY, "to": TODAY})
    assert (unknown.status_code, _fields(unknown)) == (422, {"kind"})


def test_nothing_can_be_changed_or_deleted(nurse_api: Any, drawn: dict[str, Any]) -> None:
    for path in (f"/api/ledger/draws/{drawn['id']}", "/api/ledger/receipts"):
        assert nurse_api.delete(path).status_code == 405
        assert nurse_api.patch(path, {"volume_ml": 1}).status_code == 405
    assert Entry.objects.count() == 2


@pytest.mark.parametrize("role", ["front_desk", "patient"])
def test_front_desk_and_patients_see_no_ledger(
    role: str, api_as: Any, users: dict[str, Any], patient_user: Any, location: Any
) -> None:
    client = api_as(patient_user if role == "patient" else users[role])
    assert client.get(f"/api/ledger/locations/{location.slug}/stock").status_code == 403
    assert client.get("/api/ledger/locations").status_code == 403


def test_unauthenticated_is_401() -> None:
    from django.test import Client

    assert Client().get("/api/ledger/locations").status_code == 401
