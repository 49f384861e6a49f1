"""Ledger pages: every page renders for the roles that may see it; forms re-render with the
field's error (422) or the clash (409) and write nothing; discrepancies cannot be missed."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from ledger_support import PASSWORD, PRODUCT, WITNESS_USERNAME, receipt

from ketaclinic.records.ledger import services
from ketaclinic.records.ledger.models import (
    Count,
    Discrepancy,
    DiscrepancyResolution,
    Entry,
    LossReport,
    LossReportFiling,
    Product,
)

TODAY = date.today().isoformat()
WITNESS = {"witness_username": WITNESS_USERNAME, "witness_password": PASSWORD}


@pytest.fixture
def nurse_web(web_as: Any, users: dict[str, Any], witness_user: Any) -> Any:
    return web_as(users["nurse"])


@pytest.fixture
def drawn(nurse: Any, storage: Any, stocked: Any, patient: Any) -> Entry:
    return services.draw(
        nurse,
        {"storage_id": storage.pk, "lot_id": stocked.pk, "patient_id": patient.pk, "volume_ml": 2},
    )


def _pages(slug: str, storage_id: int) -> list[str]:
    base = f"/ledger/locations/{slug}"
    return [
        "/ledger/",
        f"{base}/",
        f"{base}/counts/",
        f"{base}/discrepancies/",
        f"{base}/losses/",
        f"{base}/reports/",
        f"{base}/reports.csv",
        f"{base}/receive/",
        f"{base}/draw/",
        f"{base}/adjust/",
        f"{base}/counts/new/{storage_id}/",
    ]


def test_every_page_renders_for_a_nurse(
    nurse_web: Any, drawn: Entry, location: Any, storage: Any
) -> None:
    for url in [*_pages(location.slug, storage.pk), f"/ledger/draws/{drawn.pk}/"]:
        assert nurse_web.get(url).status_code == 200, url
    assert nurse_web.get(f"/ledger/entries/{drawn.pk}/reverse/").status_code == 200
    assert nurse_web.get("/ledger/locations/nowhere/").status_code == 404
    assert nurse_web.get(f"/ledger/locations/{location.slug}/counts/new/999/").status_code == 404


def test_managers_keep_the_books_but_handle_no_dose(
    web_as: Any, users: dict[str, Any], drawn: Entry, location: Any, storage: Any
) -> None:
    manager = web_as(users["manager"])
    base = f"/ledger/locations/{location.slug}"
    for url in ("/ledger/", f"{base}/", f"{base}/reports/", f"{base}/receive/", "/ledger/setup/"):
        assert manager.get(url).status_code == 200, url
    for url in (f"{base}/draw/", f"{base}/adjust/", f"{base}/counts/new/{storage.pk}/"):
        assert manager.get(url).status_code == 403, url
    page = manager.get(f"{base}/").content.decode()
    assert "Record draw" not in page
    assert f'href="{base}/draw/"' not in page


@pytest.mark.parametrize("role", ["front_desk", "patient"])
def test_front_desk_and_patients_are_refused(
    role: str, web_as: Any, users: dict[str, Any], patient_user: Any, location: Any
) -> None:
    client = web_as(patient_user if role == "patient" else users[role])
    assert client.get(f"/ledger/locations/{location.slug}/").status_code == 403
    assert client.get("/ledger/").status_code == 403
    assert b"/ledger/" not in client.get("/").content  # no nav link


def test_receive_form(nurse_web: Any, location: Any, storage: Any, product: Any) -> None:
    url = f"/ledger/locations/{location.slug}/receive/"
    bad = nurse_web.post(url, receipt(storage, product, vials=0))
    assert bad.status_code == 422
    assert b"zero or negative" in bad.content
    assert not Entry.objects.exists()
    done = nurse_web.post(url, receipt(storage, product))
    assert done.status_code == 302
    assert Entry.objects.get().on_hand_ml == 20


def test_draw_form_finds_the_patient_and_refuses_the_impossible(
    nurse_web: Any, location: Any, storage: Any, stocked: Any, patient: Any
) -> None:
    url = f"/ledger/locations/{location.slug}/draw/"
    choice = f"{storage.pk}:{stocked.pk}"
    unknown = nurse_web.post(url, {"patient_mrn": "NOPE", "balance": choice, "volume_ml": "1"})
    assert (unknown.status_code, b"no patient has this MRN" in unknown.content) == (422, True)
    too_much = nurse_web.post(
        url, {"patient_mrn": patient.mrn, "balance": choice, "volume_ml": "21"}
    )
    assert too_much.status_code == 409
    no_lot = nurse_web.post(url, {"patient_mrn": patient.mrn, "volume_ml": "1"})
    assert no_lot.status_code == 422
    assert not Entry.objects.filter(kind="draw").exists()
    done = nurse_web.post(url, {"patient_mrn": patient.mrn, "balance": choice, "volume_ml": "2"})
    drawn = Entry.objects.get(kind="draw")
    assert done["Location"] == f"/ledger/draws/{drawn.pk}/"


def test_expired_lots_are_shown_but_cannot_be_chosen(
    nurse_web: Any, location: Any, storage: Any, product: Any
) -> None:
    from ketaclinic.records.ledger.models import Balance, Lot

    old = Lot.objects.create(product=product, lot_number="OLD-1", expires_on=date(2020, 1, 1))
    Balance.objects.create(storage=storage, lot=old, on_hand_ml=10, on_hand_mg=500)
    page = nurse_web.get(f"/ledger/locations/{location.slug}/draw/").content.decode()
    assert f'value="{storage.pk}:{old.pk}" disabled' in page
    assert "EXPIRED, cannot be drawn" in page


def test_administer_and_waste_forms(
    nurse_web: Any, drawn: Entry, witness_user: Any, users: dict[str, Any]
) -> None:
    base = f"/ledger/draws/{drawn.pk}"
    too_much = nurse_web.post(f"{base}/waste/", {"volume_ml": "3", **WITNESS})
    assert too_much.status_code == 422
    assert b"left to account for" in too_much.content
    assert PASSWORD.encode() not in too_much.content  # the witness password is never echoed
    self_witness = nurse_web.post(
        f"{base}/waste/",
        {"volume_ml": "1", "witness_username": "nurse-user", "witness_password": PASSWORD},
    )
    assert (self_witness.status_code, b"second, different" in self_witness.content) == (
        422,
        True,
    )
    assert nurse_web.post(f"{base}/administered/", {"dose_mg": "35"}).status_code == 302
    assert nurse_web.post(f"{base}/waste/", {"volume_ml": "1.3", **WITNESS}).status_code == 302
    page = nurse_web.get(f"{base}/").content.decode()
    assert "Nothing administered" not in page
    assert witness_user.username in page
    assert "Record witnessed waste" not in page  # nothing left to account for


def test_reverse_and_adjust_forms(
    nurse_web: Any, drawn: Entry, location: Any, storage: Any, stocked: Any
) -> None:
    url = f"/ledger/entries/{drawn.pk}/reverse/"
    assert nurse_web.post(url, {"reason": "", **WITNESS}).status_code == 422
    assert nurse_web.post(url, {"reason": "wrong patient", **WITNESS}).status_code == 302
    assert nurse_web.post(url, {"reason": "again", **WITNESS}).status_code == 409
    adjust = f"/ledger/locations/{location.slug}/adjust/"
    choice = f"{storage.pk}:{stocked.pk}"
    short = nurse_web.post(adjust, {"balance": choice, "change_ml": "-1", "reason": "dropped"})
    assert short.status_code == 422
    done = nurse_web.post(
        adjust, {"balance": choice, "change_ml": "-1", "reason": "dropped", **WITNESS}
    )
    assert done.status_code == 302
    assert Entry.objects.filter(kind="adjustment").count() == 1


def test_a_short_count_raises_a_banner_until_resolved(
    nurse_web: Any, web_as: Any, users: dict[str, Any], location: Any, storage: Any, stocked: Any
) -> None:
    url = f"/ledger/locations/{location.slug}/counts/new/{storage.pk}/"
    blank = nurse_web.post(url, {"kind": "end_of_day", **WITNESS})
    assert blank.status_code == 422
    assert not Count.objects.exists()
    short = nurse_web.post(
        url,
        {
            "kind": "end_of_day",
            f"full_vials_{stocked.pk}": "1",
            f"open_ml_{stocked.pk}": "9",
            **WITNESS,
        },
    )
    assert short.status_code == 302
    stock_page = nurse_web.get(f"/ledger/locations/{location.slug}/").content.decode()
    assert "1 open discrepancy" in stock_page
    found = Discrepancy.objects.get()
    physician = web_as(users["physician"])
    resolve = f"/ledger/locations/{location.slug}/discrepancies/{found.pk}/resolve/"
    assert physician.post(resolve, {"note": ""}).status_code == 422
    assert nurse_web.post(resolve, {"note": "x"}).status_code == 403
    assert (
        physician.post(resolve, {"note": "vial cracked", "adjust": "on", **WITNESS}).status_code
        == 302
    )
    assert DiscrepancyResolution.objects.get().adjustment is not None
    assert (
        "open discrepanc"
        not in nurse_web.get(f"/ledger/locations/{location.slug}/").content.decode()
    )


def test_loss_report_and_filing_forms(
    web_as: Any, users: dict[str, Any], location: Any, storage: Any, stocked: Any
) -> None:
    manager = web_as(users["manager"])
    url = f"/ledger/locations/{location.slug}/losses/new/"
    base = {
        "kind": "theft",
        "discovered_on": TODAY,
        "circumstances": "Cabinet forced.",
        "lot_0": f"{storage.pk}:{stocked.pk}",
        "containers_0": "1",
        "volume_ml_0": "10",
    }
    missing = manager.post(url, {**base, "police_notified": "on"})
    assert (missing.status_code, b"name the department" in missing.content) == (422, True)
    assert manager.post(url, base).status_code == 302
    report = LossReport.objects.get()
    assert report.lines.get().quantity_mg == 500
    filing = f"/ledger/locations/{location.slug}/losses/{report.pk}/filings/"
    assert manager.post(filing, {"kind": "form_106", "filed_on": "2000-01-01"}).status_code == 422
    assert manager.post(filing, {"kind": "form_106", "filed_on": TODAY}).status_code == 302
    assert LossReportFiling.objects.get().kind == "form_106"


def test_reports_page_and_csv(nurse_web: Any, drawn: Entry, location: Any) -> None:
    base = f"/ledger/locations/{location.slug}"
    page = nurse_web.get(f"{base}/reports/", {"kind": "dispensing", "from": TODAY, "to": TODAY})
    assert page.status_code == 200
    assert "MRN-0001" in page.content.decode()
    bad = nurse_web.get(f"{base}/reports/", {"kind": "dispensing", "from": TODAY, "to": "x"})
    assert bad.status_code == 422
    csv_answer = nurse_web.get(f"{base}/reports.csv", {"kind": "waste", "from": TODAY, "to": TODAY})
    assert csv_answer["Content-Type"].startswith("text/csv")
    assert csv_answer.content.decode().startswith("occurred_at,entry,kind")
    bad_csv = nurse_web.get(f"{base}/reports.csv", {"kind": "nope"})
    assert bad_csv.status_code == 422


def test_setup_forms(web_as: Any, users: dict[str, Any], location: Any) -> None:
    manager = web_as(users["manager"])
    bad = manager.post("/ledger/setup/products/", {**PRODUCT, "ndc": "12-34"})
    assert (bad.status_code, b"hyphens" in bad.content) == (422, True)
    assert manager.post("/ledger/setup/products/", PRODUCT).status_code == 302
    assert Product.objects.count() == 1
    storage = {"location": location.slug, "name": "Safe"}
    assert manager.post("/ledger/setup/storage/", storage).status_code == 302
    assert manager.post("/ledger/setup/storage/", storage).status_code == 422
    assert web_as(users["nurse"]).get("/ledger/setup/").status_code == 403
