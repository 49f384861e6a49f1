"""The interfaces the checks use: POST /api/patients/{id}/payments (201/422/403/401, nothing
written on a refusal), GET /api/patients/{id}/balance, receipt and superbill PDFs that carry
the codes, and ``ketaclinic billing day-close`` by the location's calendar day (exit 2 on bad
input)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from pypdf import PdfReader

from ketaclinic.cli import main as cli
from ketaclinic.records.billing import money
from ketaclinic.records.billing.models import Entry
from ketaclinic.records.clinics.models import Location
from ketaclinic.records.sessions import signing
from ketaclinic.records.toolkit import local_today
from support import SIGNED, as_user


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_payment_through_the_api_lowers_the_balance(
    api_as: Callable[[Any], Any], users: dict[str, Any], patient: Any, location: Any
) -> None:
    desk = api_as(users["front_desk"])
    path = f"/api/patients/{patient.pk}"
    assert desk.get(f"{path}/balance").json() == {"balance_cents": 0}
    answer = desk.post(
        f"{path}/payments",
        {"amount_cents": 2500, "method": "card", "reference": "T-9", "location": "test"},
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["amount_cents"] == 2500
    assert desk.get(f"{path}/balance").json() == {"balance_cents": -2500}
    manager = api_as(users["manager"])
    assert (
        manager.post(f"{path}/payments", {"amount_cents": 500, "method": "cash"}).status_code == 201
    )
    assert manager.get(f"{path}/balance").json() == {"balance_cents": -3000}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount_cents": -100, "method": "cash"}, "amount_cents"),
        ({"amount_cents": 10.25, "method": "cash"}, "amount_cents"),
        ({"amount_cents": 100, "method": "bitcoin"}, "method"),
        ({"amount_cents": 100, "method": "cash", "location": "atlantis"}, "location"),
        ({"amount_cents": 100, "method": "card", "reference": "5500-0000-0000-0004"}, "reference"),
        ({"method": "cash"}, "amount_cents"),
    ],
)
def test_bad_payments_are_422_naming_the_field_and_write_nothing(
    api_as: Callable[[Any], Any],
    users: dict[str, Any],
    patient: Any,
    location: Any,
    body: dict[str, Any],
    field: str,
) -> None:
    answer = api_as(users["front_desk"]).post(f"/api/patients/{patient.pk}/payments", body)
    assert answer.status_code == 422, answer.content
    assert field in {e["field"] for e in answer.json()["errors"]}
    assert not Entry.objects.exists()


def test_a_refund_above_what_was_paid_is_422(
    api_as: Callable[[Any], Any], users: dict[str, Any], patient: Any, location: Any
) -> None:
    from support import PASSWORD

    desk = api_as(users["front_desk"])
    paid = desk.post(
        f"/api/patients/{patient.pk}/payments", {"amount_cents": 1000, "method": "cash"}
    )
    witness = {"witness_username": "manager-user", "witness_password": PASSWORD}
    body = {"payment_id": paid.json()["id"], "amount_cents": 1001, "reason": "x", **witness}
    answer = desk.post(f"/api/patients/{patient.pk}/refunds", body)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "amount_cents"
    assert Entry.objects.count() == 1


def test_clinicians_are_403_and_anonymous_401(
    api_as: Callable[[Any], Any], users: dict[str, Any], patient: Any, location: Any
) -> None:
    for role in ("physician", "nurse"):
        client = api_as(users[role])
        assert client.get(f"/api/patients/{patient.pk}/balance").status_code == 403
        body = {"amount_cents": 100, "method": "cash"}
        assert client.post(f"/api/patients/{patient.pk}/payments", body).status_code == 403
    anonymous = Client()
    assert anonymous.get(f"/api/patients/{patient.pk}/balance").status_code == 401
    answer = anonymous.post(
        f"/api/patients/{patient.pk}/payments",
        {"amount_cents": 100, "method": "cash"},
        content_type="application/json",
    )
    assert answer.status_code == 401
    assert not Entry.objects.exists()


def test_a_patient_sees_their_own_balance_only(
    api_as: Callable[[Any], Any], patient_user: Any, register: Callable[..., Any], location: Any
) -> None:
    other = register(mrn="MRN-0002")
    client = api_as(patient_user)
    assert client.get(f"/api/patients/{patient_user.patient_id}/balance").status_code == 200
    assert client.get(f"/api/patients/{other.pk}/balance").status_code == 403
    body = {"amount_cents": 100, "method": "cash"}
    assert client.post(f"/api/patients/{patient_user.patient_id}/payments", body).status_code == 403


def test_receipt_and_superbill_pdfs_carry_the_codes(
    api_as: Callable[[Any], Any],
    users: dict[str, Any],
    walked: Any,
    nurse: Any,
    desk: Any,
    session: Any,
    prices: Any,
    tmp_path: Path,
) -> None:
    walked("discharged")
    signing.sign_session(nurse, session.pk, SIGNED)
    patient_id = session.patient_id
    paid = money.record_payment(desk, patient_id, {"amount_cents": 45000, "method": "cash"})
    client = api_as(users["front_desk"])
    receipt = client.get(f"/api/patients/{patient_id}/receipts/{paid.pk}.pdf")
    assert receipt.status_code == 200
    assert receipt["Content-Type"] == "application/pdf"
    day = session.order.session_on
    superbill = client.get(
        f"/api/patients/{patient_id}/superbill.pdf", **{"from": str(day), "to": str(day)}
    )
    assert superbill.status_code == 200, superbill.content
    for pdf in (receipt.content, superbill.content):
        text = _text(pdf)
        for expected in ("96365", "J3490", "M79.7", "1234567893", "00-0000000", "$450.00"):
            assert expected in text
    assert client.get(f"/api/patients/{patient_id}/receipts/999999.pdf").status_code == 404
    out = tmp_path / "superbill.pdf"
    mrn = session.patient.mrn
    arguments = ["--patient", mrn, "--from", str(day), "--to", str(day), "--out", str(out)]
    assert cli(["billing", "superbill", *arguments, *as_user("front_desk-user")]) == 0
    assert "96365" in _text(out.read_bytes())
    receipt_out = tmp_path / "receipt.pdf"
    receipt_args = ["--patient", mrn, "--number", str(paid.pk), "--out", str(receipt_out)]
    assert cli(["billing", "receipt", *receipt_args, *as_user("front_desk-user")]) == 0
    assert "M79.7" in _text(receipt_out.read_bytes())


def test_day_close_counts_each_payment_on_its_location_s_own_day(
    desk: Any, patient: Any, users: dict[str, Any], capsys: Any
) -> None:
    """The same instant is two different calendar days 26 hours apart: each location's day
    close counts its own payment on its own date."""
    east = Location.objects.create(slug="east", name="East", time_zone="Etc/GMT-14")
    west = Location.objects.create(slug="west", name="West", time_zone="Etc/GMT+12")
    for place, cents in ((east, 1000), (west, 700)):
        money.record_payment(
            desk, patient.pk, {"amount_cents": cents, "method": "cash", "location": place.slug}
        )
    money.record_payment(
        desk,
        patient.pk,
        {"amount_cents": 250, "method": "card", "reference": "A1", "location": "east"},
    )
    east_day, west_day = local_today(east.zone), local_today(west.zone)
    assert east_day != west_day

    def close(slug: str, day: Any, form: str = "json") -> str:
        arguments = ["billing", "day-close", "--location", slug, "--date", str(day)]
        assert cli([*arguments, "--format", form, *as_user("front_desk-user")]) == 0
        return capsys.readouterr().out

    found = json.loads(close("east", east_day))
    by_method = {m["method"]: m for m in found["methods"]}
    assert (by_method["cash"]["received_cents"], by_method["card"]["received_cents"]) == (1000, 250)
    assert found["total_received_cents"] == 1250
    assert found["cash_expected_cents"] == 1000
    assert json.loads(close("east", west_day))["total_received_cents"] == 0
    assert json.loads(close("west", west_day))["total_received_cents"] == 700
    rows = list(csv.DictReader(io.StringIO(close("east", east_day, "csv"))))
    assert [(r["method"], r["received_cents"]) for r in rows] == [
        ("cash", "1000"),
        ("card", "250"),
        ("total", "1250"),
    ]
    assert json.loads(close("east", east_day + timedelta(days=1)))["total_received_cents"] == 0


@pytest.mark.parametrize(
    ("arguments", "option"),
    [
        (["--location", "nowhere", "--date", "2026-12-01"], "--location"),
        (["--location", "east", "--date", "2026-13-01"], "--date"),
        (["--location", "east", "--date", "yesterday"], "--date"),
    ],
)
def test_day_close_bad_input_exits_2_naming_the_option(
    users: dict[str, Any], capsys: Any, arguments: list[str], option: str
) -> None:
    Location.objects.create(slug="east", name="East", time_zone="Etc/GMT-14")
    command = ["billing", "day-close", *arguments, "--format", "json", *as_user("manager-user")]
    try:
        code = cli(command)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    assert code == 2
    assert option in capsys.readouterr().err


def test_cli_payment_bad_amount_exits_2_and_writes_nothing(
    users: dict[str, Any], patient: Any, location: Any, capsys: Any
) -> None:
    base = ["billing", "payment", "--patient", patient.mrn, "--method", "card"]
    with pytest.raises(SystemExit) as exited:
        cli([*base, "--amount-cents", "12.50", *as_user("front_desk-user")])
    assert exited.value.code == 2
    assert (
        cli(
            [
                *base,
                "--amount-cents",
                "1250",
                "--reference",
                "4111111111111111",
                *as_user("front_desk-user"),
            ]
        )
        == 2
    )
    assert "--reference" in capsys.readouterr().err
    assert not Entry.objects.exists()
    assert (
        cli([*base, "--amount-cents", "1250", "--reference", "T-1", *as_user("front_desk-user")])
        == 0
    )
    assert Entry.objects.get().amount_cents == 1250
