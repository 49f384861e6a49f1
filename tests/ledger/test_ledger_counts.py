"""Counts flag discrepancies at once; discrepancies are resolved with a note and, when the stock
was wrong, a witnessed adjustment; losses are reported with their regulatory deadlines."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from ledger_support import in_days, ml, receipt, witness

from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.errors import Conflict, Forbidden, InvalidInput
from ketaclinic.records.ledger import counts, losses, services, stock
from ketaclinic.records.ledger.models import (
    Balance,
    Count,
    Discrepancy,
    Entry,
    FilingKind,
    LossReport,
)


def _count(nurse: Any, storage: Any, lot: Any, full_vials: int, open_ml: str = "0", **more: Any):
    return counts.record_count(
        nurse,
        {
            "storage_id": storage.pk,
            "kind": "end_of_day",
            "lines": [{"lot_id": lot.pk, "full_vials": full_vials, "open_ml": open_ml}],
            **witness(),
            **more,
        },
    )


def test_a_matching_count_flags_nothing(nurse: Any, storage: Any, stocked: Any) -> None:
    made = _count(nurse, storage, stocked, 2)
    line = made.lines.get()
    assert (line.counted_ml, line.expected_ml, line.difference_ml) == (20, 20, 0)
    assert not Discrepancy.objects.exists()
    assert AuditEvent.objects.filter(action="ledger.witness", username="witness-nurse").exists()


def test_a_short_count_is_flagged_at_once(
    nurse: Any, storage: Any, stocked: Any, location: Any, physician: Any
) -> None:
    _count(nurse, storage, stocked, 1, "9.5")
    found = Discrepancy.objects.get()
    assert (found.line.difference_ml, found.line.difference_mg) == (ml("-0.5"), -25)
    assert stock.stock(physician, location.slug).open_discrepancies == 1
    assert [d.pk for d in counts.discrepancies(physician, location.slug, open_only=True)] == [
        found.pk
    ]


def test_a_count_must_cover_every_lot_on_hand(
    nurse: Any, storage: Any, stocked: Any, product: Any
) -> None:
    services.receive(nurse, receipt(storage, product, lot_number="LOT-B", invoice_number="I-2"))
    with pytest.raises(InvalidInput) as error:
        _count(nurse, storage, stocked, 2)
    assert error.value.errors[0].field == "lines"
    assert "LOT-B" in error.value.errors[0].message
    assert not Count.objects.exists()
    assert AuditEvent.objects.filter(action="ledger.count", outcome="failed").count() == 1


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ([{"lot_id": 999, "full_vials": 1}], "lines.0.lot_id"),
        ([{"lot_id": "LOT", "full_vials": 1}], "lines.0.lot_id"),
        ([{"lot_id": 1, "full_vials": -1}], "lines.0.full_vials"),
        ([{"lot_id": 1, "full_vials": 1, "open_ml": "-2"}], "lines.0.open_ml"),
    ],
)
def test_bad_count_lines_name_the_line(
    nurse: Any, storage: Any, stocked: Any, lines: list[dict[str, Any]], field: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        counts.record_count(
            nurse, {"storage_id": storage.pk, "kind": "spot", "lines": lines, **witness()}
        )
    assert field in {e.field for e in error.value.errors}


def test_a_lot_counted_twice_is_refused(nurse: Any, storage: Any, stocked: Any) -> None:
    line = {"lot_id": stocked.pk, "full_vials": 1}
    with pytest.raises(InvalidInput) as error:
        counts.record_count(
            nurse,
            {"storage_id": storage.pk, "kind": "spot", "lines": [line, line], **witness()},
        )
    assert error.value.errors[0].field == "lines.1.lot_id"


def test_a_count_needs_a_second_person(nurse: Any, storage: Any, stocked: Any) -> None:
    with pytest.raises(InvalidInput) as error:
        _count(nurse, storage, stocked, 2, witness_username="nurse-user")
    assert error.value.errors[0].field == "witness_username"


def test_resolving_with_an_adjustment_corrects_the_stock(
    nurse: Any, storage: Any, stocked: Any, physician: Any
) -> None:
    _count(nurse, storage, stocked, 1, "9.5")
    found = Discrepancy.objects.get()
    resolution = counts.resolve_discrepancy(
        physician, found.pk, {"note": "vial cracked", "adjust": True, **witness()}
    )
    assert resolution.adjustment is not None
    assert (resolution.adjustment.kind, resolution.adjustment.on_hand_ml) == (
        "adjustment",
        ml("-0.5"),
    )
    assert Balance.objects.get().on_hand_ml == ml("19.5")
    with pytest.raises(Conflict):
        counts.resolve_discrepancy(physician, found.pk, {"note": "again"})
    _count(nurse, storage, stocked, 1, "9.5")
    assert Discrepancy.objects.count() == 1


def test_resolving_without_adjusting_keeps_the_balance(
    nurse: Any, storage: Any, stocked: Any, users: dict[str, Any], actor_for: Any
) -> None:
    _count(nurse, storage, stocked, 2, "1")
    manager = actor_for(users["manager"])
    resolution = counts.resolve_discrepancy(
        manager, Discrepancy.objects.get().pk, {"note": "miscounted: recount matched"}
    )
    assert resolution.adjustment is None
    assert Balance.objects.get().on_hand_ml == 20
    with pytest.raises(Forbidden):
        counts.resolve_discrepancy(nurse, 1, {"note": "nurses do not close discrepancies"})


def test_a_manager_cannot_post_the_adjustment(
    nurse: Any, storage: Any, stocked: Any, users: dict[str, Any], actor_for: Any
) -> None:
    _count(nurse, storage, stocked, 1)
    with pytest.raises(Forbidden):
        counts.resolve_discrepancy(
            actor_for(users["manager"]),
            Discrepancy.objects.get().pk,
            {"note": "x", "adjust": True, **witness()},
        )
    assert not Entry.objects.filter(kind="adjustment").exists()


def test_biennial_inventory_is_due_two_years_after_the_last(
    nurse: Any, storage: Any, stocked: Any, location: Any
) -> None:
    assert stock.biennial_status(location).overdue
    counts.record_count(
        nurse,
        {
            "storage_id": storage.pk,
            "kind": "biennial",
            "lines": [{"lot_id": stocked.pk, "full_vials": 2}],
            **witness(),
        },
    )
    status = stock.biennial_status(location)
    assert status.last_on is not None
    assert status.due_on == status.last_on.replace(year=status.last_on.year + 2)
    assert not status.overdue


def _loss(place: Any, lot: Any, **changes: Any) -> dict[str, Any]:
    return {
        "location": place.slug,
        "kind": "theft",
        "discovered_on": date.today().isoformat(),
        "circumstances": "Cabinet found forced open at 07:00.",
        "police_notified": True,
        "police_department": "Springfield PD",
        "police_report_number": "2026-123",
        "lines": [{"lot_id": lot.pk, "containers": 1, "volume_ml": "10"}],
        **changes,
    }


def test_a_loss_report_and_its_deadlines(
    physician: Any, location: Any, stocked: Any, nurse: Any, storage: Any
) -> None:
    report = losses.report_loss(physician, _loss(location, stocked, discovered_on="2026-11-20"))
    line = report.lines.get()
    assert (line.quantity_ml, line.quantity_mg, line.containers) == (10, 500, 1)
    due = {d.kind: d.due_on for d in losses.deadlines(report)}
    # Discovered on a Friday: written notice by the next business day (Monday), Form 106 in 45 days.
    assert due == {
        FilingKind.WRITTEN_NOTICE: date(2026, 11, 23),
        FilingKind.FORM_106: date(2027, 1, 4),
    }
    filing = losses.record_filing(
        physician, report.pk, {"kind": "written_notice", "filed_on": "2026-11-21"}
    )
    assert filing.kind == "written_notice"
    with pytest.raises(Conflict):
        losses.record_filing(
            physician, report.pk, {"kind": "written_notice", "filed_on": "2026-11-22"}
        )
    with pytest.raises(InvalidInput) as error:
        losses.record_filing(physician, report.pk, {"kind": "form_106", "filed_on": "2026-11-19"})
    assert error.value.errors[0].field == "filed_on"
    assert Balance.objects.get().on_hand_ml == 20  # the stock itself is corrected separately


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"police_department": ""}, "police_department"),
        ({"circumstances": ""}, "circumstances"),
        ({"discovered_on": in_days(3).isoformat()}, "discovered_on"),
        ({"lines": []}, "lines"),
        ({"lines": [{"lot_id": 999, "containers": 1, "volume_ml": "1"}]}, "lines.0.lot_id"),
        ({"lines": [{"lot_id": 1, "containers": 1, "volume_ml": "0"}]}, "lines.0.volume_ml"),
        ({"discrepancy_id": 999}, "discrepancy_id"),
        ({"kind": "misplaced"}, "kind"),
        ({"location": "nowhere"}, "location"),
    ],
)
def test_bad_loss_reports_name_the_field(
    physician: Any, location: Any, stocked: Any, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        losses.report_loss(physician, _loss(location, stocked, **changes))
    assert field in {e.field for e in error.value.errors}
    assert not LossReport.objects.exists()
    assert AuditEvent.objects.filter(action="ledger.loss_report", outcome="failed").count() == 1


def test_nurses_do_not_file_loss_reports(nurse: Any, location: Any, stocked: Any) -> None:
    with pytest.raises(Forbidden):
        losses.report_loss(nurse, _loss(location, stocked))
