"""Prices and estimates on the web, in the portal and on the command line; the demo."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from pypdf import PdfReader

from ketaclinic.cli import main as cli
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.pricing import estimates
from ketaclinic.records.pricing.models import Estimate, PriceList
from support import as_user


def test_a_manager_adds_a_version_on_the_prices_page(
    web_as: Any, users: dict[str, Any], location: Any, prices: Any
) -> None:
    client = web_as(users["manager"])
    page = client.get("/prices/")
    assert page.status_code == 200
    assert "2,850.00" in page.content.decode()
    assert "NPI 1234567893" in page.content.decode()
    later = (timezone.localdate() + timezone.timedelta(days=7)).isoformat()
    form = {
        "location": location.slug,
        "effective_from": later,
        "consultation_amount": "260.00",
        "infusion_amount": "560",
        "package_amount": "2,900.00",
        "package_sessions": "6",
    }
    refused = client.post("/prices/", {**form, "infusion_amount": "560.005"})
    assert refused.status_code == 422
    assert "fraction of a cent" in refused.content.decode()
    assert PriceList.objects.count() == 1
    saved = client.post("/prices/", form)
    assert saved.status_code == 302
    newest = PriceList.objects.get(version=2)
    assert {i.kind: i.amount_cents for i in newest.items.all()} == {
        "consultation": 26000,
        "infusion": 56000,
        "package": 290000,
    }


def test_staff_other_than_managers_read_prices_without_the_form(
    web_as: Any, users: dict[str, Any], prices: Any
) -> None:
    page = web_as(users["nurse"]).get("/prices/")
    assert page.status_code == 200
    assert "New version" not in page.content.decode()
    assert web_as(users["nurse"]).post("/prices/", {"location": "main"}).status_code == 403


def test_the_front_desk_issues_an_estimate_from_the_chart_and_the_patient_sees_it(
    web_as: Any, users: dict[str, Any], patient: Any, patient_user: Any, prices: Any
) -> None:
    desk = web_as(users["front_desk"])
    chart = desk.get(f"/patients/{patient.pk}/")
    assert "Good Faith Estimates" in chart.content.decode()
    issued = desk.post(f"/patients/{patient.pk}/estimates/new/")
    assert issued.status_code == 302
    estimate = Estimate.objects.get()
    portal = web_as(patient_user).get("/my/estimates/")
    assert portal.status_code == 200
    assert "$3,100.00" in portal.content.decode()
    assert f"/estimates/{estimate.pk}.pdf" in portal.content.decode()
    pdf = web_as(patient_user).get(f"/estimates/{estimate.pk}.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Consultation" in text
    assert "patient-provider dispute resolution" in text
    assert web_as(users["physician"]).get(f"/estimates/{estimate.pk}.pdf").status_code == 403
    assert AuditEvent.objects.filter(action="estimate.view", username="patient-user").exists()


def test_the_cli_lists_prices_and_refuses_a_fraction_of_a_cent(
    prices: Any, location: Any, tmp_path: Path, capsys: Any
) -> None:
    argv = ["billing", "prices", "--location", location.slug, *as_user("nurse-user")]
    assert cli([*argv, "--format", "json"]) == 0
    [shown] = json.loads(capsys.readouterr().out)
    assert shown["version"] == 1
    items = tmp_path / "items.json"
    items.write_text(json.dumps([{"kind": "infusion", "amount_cents": 100.5}]))
    later = (timezone.localdate() + timezone.timedelta(days=3)).isoformat()
    manager = ["billing", "prices", "--location", location.slug, *as_user("manager-user")]
    assert cli([*manager, "--effective-from", later, "--items", str(items)]) == 2
    assert "items.0.amount_cents" in capsys.readouterr().err
    items.write_text(json.dumps([{"kind": "infusion", "amount_cents": 60000}]))
    assert cli([*argv, "--effective-from", later, "--items", str(items)]) == 1  # a nurse
    assert cli([*manager, "--effective-from", later, "--items", str(items)]) == 0
    assert PriceList.objects.count() == 2


def test_the_cli_issues_an_estimate_with_its_pdf(
    prices: Any, patient: Any, tmp_path: Path, capsys: Any
) -> None:
    out = tmp_path / "gfe.pdf"
    argv = ["billing", "estimate", "--patient", "MRN-0001", *as_user("front_desk-user")]
    assert cli([*argv, "--out", str(out), "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["total_cents"] == 310000
    assert out.read_bytes().startswith(b"%PDF")


@pytest.fixture
def var_dir(settings: Any, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_the_demo_has_prices_and_an_estimate_for_a_self_pay_patient(db: Any, var_dir: Path) -> None:
    from ketaclinic.records.demo import load_demo

    load_demo()
    assert PriceList.objects.count() >= 1
    estimate = Estimate.objects.filter(patient__mrn="DEMO-0001").first()
    assert estimate is not None
    assert estimate.patient.coverage == "self_pay"
    assert estimate.total_cents == sum(i.quantity * i.amount_cents for i in estimate.items.all())
    count = Estimate.objects.count()
    load_demo()
    assert Estimate.objects.count() == count
    assert estimates.estimate_dict(estimate)["provider"]["npi"] == "1234567893"
