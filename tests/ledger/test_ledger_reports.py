"""Reports for a date range at a location: dispensing and waste logs, inventory, discrepancies;
as rows, JSON and CSV; in the location's local days; audited with the patients shown."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from ledger_support import ml, witness

from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.errors import Forbidden, InvalidInput
from ketaclinic.records.ledger import counts, reports, services

TODAY = date.today().isoformat()


@pytest.fixture
def activity(nurse: Any, storage: Any, stocked: Any, patient: Any, register: Any) -> dict:
    """Two draws: one given in full, one partly given and the rest wasted; one reversal."""
    other = register(mrn="MRN-0002", given_name="=HYPERLINK(1)", address="4 Test Lane")
    spot = {"storage_id": storage.pk, "lot_id": stocked.pk}
    first = services.draw(nurse, {**spot, "patient_id": patient.pk, "volume_ml": "1"})
    services.record_administered(nurse, first.pk, {"volume_ml": "1"})
    second = services.draw(nurse, {**spot, "patient_id": other.pk, "volume_ml": "2"})
    given = services.record_administered(nurse, second.pk, {"volume_ml": "0.7"})
    services.reverse(nurse, given.pk, {"reason": "charted twice", **witness()})
    services.record_administered(nurse, second.pk, {"volume_ml": "0.7"})
    services.waste(nurse, second.pk, {"volume_ml": "1.3", **witness()})
    return {"first": first, "second": second, "other": other}


def _report(actor: Any, location: Any, kind: str, **dates: str) -> reports.Report:
    query = {"location": location.slug, "kind": kind, "from": TODAY, "to": TODAY}
    return reports.build_report(actor, {**query, **dates})


def test_dispensing_log(nurse: Any, location: Any, activity: dict, patient: Any) -> None:
    built = _report(nurse, location, "dispensing")
    kinds = [(row["kind"], str(row["volume_ml"])) for row in built.rows]
    assert kinds == [
        ("draw", "1.000"),
        ("administered", "1.000"),
        ("draw", "2.000"),
        ("administered", "0.700"),
        ("reversal", "-0.700"),
        ("administered", "0.700"),
    ]
    assert {row["patient_mrn"] for row in built.rows} == {"MRN-0001", "MRN-0002"}
    assert built.rows[0]["on_hand_after_ml"] == 19
    audit = AuditEvent.objects.filter(action="ledger.report").get()
    assert audit.detail["patients"] == sorted([patient.pk, activity["other"].pk])


def test_waste_log_names_the_witness(nurse: Any, location: Any, activity: dict) -> None:
    built = _report(nurse, location, "waste")
    assert len(built.rows) == 1
    row = built.rows[0]
    assert (row["witness"], row["recorded_by"], row["quantity_mg"]) == (
        "witness-nurse",
        "nurse-user",
        65,
    )


def test_inventory_reconciles(nurse: Any, location: Any, activity: dict) -> None:
    (row,) = _report(nurse, location, "inventory").rows
    assert row["opening_ml"] == 0
    assert (row["received_ml"], row["drawn_ml"], row["closing_ml"]) == (20, 3, 17)
    assert (row["administered_ml"], row["wasted_ml"], row["closing_mg"]) == (
        ml("1.7"),
        ml("1.3"),
        850,
    )
    later = (date.today() + timedelta(days=1)).isoformat()
    (tomorrow,) = _report(nurse, location, "inventory", **{"from": later, "to": later}).rows
    assert (tomorrow["opening_ml"], tomorrow["received_ml"], tomorrow["closing_ml"]) == (17, 0, 17)


def test_discrepancy_report(
    nurse: Any, location: Any, storage: Any, stocked: Any, users: dict[str, Any], actor_for: Any
) -> None:
    counts.record_count(
        nurse,
        {
            "storage_id": storage.pk,
            "kind": "end_of_day",
            "lines": [{"lot_id": stocked.pk, "full_vials": 1, "open_ml": "9"}],
            **witness(),
        },
    )
    (row,) = _report(actor_for(users["manager"]), location, "discrepancies").rows
    assert (row["difference_ml"], row["status"], row["witness"]) == (-1, "open", "witness-nurse")


def test_json_and_csv(nurse: Any, location: Any, activity: dict) -> None:
    built = _report(nurse, location, "dispensing")
    document = reports.as_json(built)
    assert document["columns"] == list(reports.COLUMNS["dispensing"])
    assert document["rows"][4]["volume_ml"] == "-0.7"
    assert document["rows"][0]["occurred_at"].endswith(("-05:00", "-04:00"))
    rows = list(csv.reader(io.StringIO(reports.as_csv(built))))
    assert rows[0] == list(reports.COLUMNS["dispensing"])
    by_name = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert by_name[4]["volume_ml"] == "-0.7"  # numbers stay numbers
    assert by_name[2]["patient_name"] == "'=HYPERLINK(1) Example"  # formulas are neutralised


def test_days_are_the_locations_local_days(
    nurse: Any, location: Any, storage: Any, stocked: Any, patient: Any
) -> None:
    # 23:30 in New York on 1 March is 04:30 UTC on 2 March: it belongs to 1 March.
    late = datetime.fromisoformat("2026-03-01T23:30:00-05:00")
    services.draw(
        nurse,
        {
            "storage_id": storage.pk,
            "lot_id": stocked.pk,
            "patient_id": patient.pk,
            "volume_ml": "1",
            "occurred_at": late.isoformat(),
        },
    )
    first = _report(nurse, location, "dispensing", **{"from": "2026-03-01", "to": "2026-03-01"})
    second = _report(nurse, location, "dispensing", **{"from": "2026-03-02", "to": "2026-03-02"})
    assert (len(first.rows), len(second.rows)) == (1, 0)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-02-30"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": TODAY, "to": "2020-01-01"}, "to"),
        ({"kind": "everything"}, "kind"),
        ({"location": "nowhere"}, "location"),
    ],
)
def test_bad_queries_name_the_field(
    nurse: Any, location: Any, query: dict[str, str], field: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        reports.build_report(
            nurse, {"location": location.slug, "from": TODAY, "to": TODAY, **query}
        )
    assert error.value.errors[0].field == field
    assert AuditEvent.objects.filter(action="ledger.report", outcome="failed").count() == 1


def test_front_desk_sees_no_ledger_report(
    users: dict[str, Any], actor_for: Any, location: Any
) -> None:
    with pytest.raises(Forbidden):
        _report(actor_for(users["front_desk"]), location, "inventory")
