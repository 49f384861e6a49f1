"""Price lists and Good Faith Estimates through the API: who may, what comes back, and bad
input refused with a 422 naming the field and nothing written."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from pricing_support import PRICES
from pypdf import PdfReader

from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.pricing import estimates
from ketaclinic.records.pricing.models import Estimate, PriceList


def _today() -> str:
    return timezone.localdate().isoformat()


def _list_body(location: Any, **changes: Any) -> dict[str, Any]:
    return {"location": location.slug, "effective_from": _today(), "items": PRICES, **changes}


@pytest.mark.parametrize(
    ("role", "reads", "writes"),
    [
        ("manager", 200, 201),
        ("front_desk", 200, 403),
        ("physician", 200, 403),
        ("nurse", 200, 403),
    ],
)
def test_staff_read_price_lists_and_only_managers_add_one(
    api_as: Any, users: dict[str, Any], location: Any, role: str, reads: int, writes: int
) -> None:
    client = api_as(users[role])
    assert client.get("/api/price-lists").status_code == reads
    answer = client.post("/api/price-lists", _list_body(location))
    assert answer.status_code == writes, answer.content
    assert PriceList.objects.count() == (1 if writes == 201 else 0)


def test_a_patient_may_not_read_price_lists(api_as: Any, patient_user: Any) -> None:
    assert api_as(patient_user).get("/api/price-lists").status_code == 403


def test_a_new_version_keeps_the_old_one(api_as: Any, users: dict[str, Any], location: Any) -> None:
    manager = api_as(users["manager"])
    first = manager.post("/api/price-lists", _list_body(location))
    assert first.status_code == 201, first.content
    created = first.json()
    assert created["version"] == 1
    consultation = next(i for i in created["items"] if i["kind"] == "consultation")
    assert consultation["codes"] == ["99204"]  # clinic policy's E/M code by default
    infusion = next(i for i in created["items"] if i["kind"] == "infusion")
    assert infusion["codes"] == ["96365", "J3490"]
    later = (timezone.localdate() + timedelta(days=30)).isoformat()
    raised = [{**item, "amount_cents": item["amount_cents"] + 1000} for item in PRICES]
    second = manager.post(
        "/api/price-lists", _list_body(location, effective_from=later, items=raised)
    )
    assert second.status_code == 201
    assert second.json()["version"] == 2
    listed = manager.get("/api/price-lists", location=location.slug).json()
    assert [p["version"] for p in listed] == [2, 1]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount_cents": 1234.5}, "items.0.amount_cents"),
        ({"amount_cents": -100}, "items.0.amount_cents"),
        ({"amount_cents": "12.345"}, "items.0.amount_cents"),
        ({"amount_cents": True}, "items.0.amount_cents"),
        ({"codes": ["99999"]}, "items.0.codes.0"),
        ({"codes": ["M79.7"]}, "items.0.codes.0"),
        ({"protocol": "no-such-protocol"}, "items.0.protocol"),
        ({"kind": "massage"}, "items.0.kind"),
    ],
)
def test_bad_prices_are_refused_naming_the_field_and_nothing_is_written(
    api_as: Any, users: dict[str, Any], location: Any, change: dict[str, Any], field: str
) -> None:
    items = [{**PRICES[0], **change}, *PRICES[1:]]
    answer = api_as(users["manager"]).post("/api/price-lists", _list_body(location, items=items))
    assert answer.status_code == 422, answer.content
    assert field in [e["field"] for e in answer.json()["errors"]]
    assert PriceList.objects.count() == 0
    assert AuditEvent.objects.filter(action="price.set", outcome="failed").count() == 1


def test_a_whole_float_is_whole_cents(api_as: Any, users: dict[str, Any], location: Any) -> None:
    items = [{**PRICES[0], "amount_cents": 25000.0}, *PRICES[1:]]
    answer = api_as(users["manager"]).post("/api/price-lists", _list_body(location, items=items))
    assert answer.status_code == 201, answer.content
    consultation = next(i for i in answer.json()["items"] if i["kind"] == "consultation")
    assert consultation["amount_cents"] == 25000


def test_only_a_first_price_list_may_start_in_the_past(
    api_as: Any, users: dict[str, Any], location: Any
) -> None:
    manager = api_as(users["manager"])
    past = (timezone.localdate() - timedelta(days=10)).isoformat()
    first = manager.post("/api/price-lists", _list_body(location, effective_from=past))
    assert first.status_code == 201, first.content
    answer = manager.post("/api/price-lists", _list_body(location, effective_from=past))
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["effective_from"]


def test_an_empty_body_estimates_the_standard_course(
    api_as: Any, users: dict[str, Any], patient: Any, prices: Any
) -> None:
    answer = api_as(users["front_desk"]).post(f"/api/patients/{patient.pk}/estimates")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["basis"] == "standard_course"
    assert [(i["code"], i["quantity"], i["amount_cents"]) for i in body["items"]] == [
        ("99204", 1, 25000),
        ("96365", 1, 285000),
    ]
    assert body["total_cents"] == sum(i["quantity"] * i["amount_cents"] for i in body["items"])
    assert body["provider"]["npi"] == "1234567893"
    assert body["diagnosis_codes"] == [{"code": "M79.7", "description": "Fibromyalgia"}]
    assert body["requested"] is True
    assert body["due_by"]
    assert any("not a contract" in text for text in body["disclaimers"])
    assert any("$400" in text for text in body["disclaimers"])
    pdf = api_as(users["manager"]).get(body["pdf"])
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    for expected in (
        "Good Faith Estimate",
        "Ada Example",
        "99204",
        "$2,850.00",
        "$3,100.00",
        "1234567893",
        "M79.7",
    ):
        assert expected in text


def test_items_given_are_priced_and_a_new_estimate_supersedes(
    api_as: Any, users: dict[str, Any], patient: Any, prices: Any
) -> None:
    desk = api_as(users["front_desk"])
    first = desk.post(f"/api/patients/{patient.pk}/estimates").json()
    body = {
        "items": [
            {"kind": "booster", "quantity": 2},
            {"kind": "additional_hour", "quantity": 3, "protocol": "ketamine-iv-0.5mgkg-60min"},
        ],
        "requested": True,
    }
    answer = desk.post(f"/api/patients/{patient.pk}/estimates", body)
    assert answer.status_code == 201, answer.content
    second = answer.json()
    assert second["total_cents"] == 2 * 52500 + 3 * 15000
    assert second["supersedes"] == first["id"]
    listed = desk.get(f"/api/patients/{patient.pk}/estimates").json()
    assert [e["id"] for e in listed] == [second["id"], first["id"]]
    assert listed[1]["superseded_by"] == second["id"]
    current = estimates.current_estimate(patient.pk)
    assert current is not None
    assert current.pk == second["id"]
    assert estimates.notices().dispute_threshold_cents == 40000


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"items": [{"kind": "infusion", "quantity": 0}]}, "items.0.quantity"),
        ({"items": [{"kind": "infusion", "protocol": "nope"}]}, "items.0.protocol"),
        ({"diagnosis_codes": ["Z99.9"]}, "diagnosis_codes.0"),
        ({"diagnosis_codes": ["96365"]}, "diagnosis_codes.0"),
        ({"location": "nowhere"}, "location"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_estimate_requests_name_the_field_and_write_nothing(
    api_as: Any, users: dict[str, Any], patient: Any, prices: Any, body: Any, field: str
) -> None:
    answer = api_as(users["front_desk"]).post(f"/api/patients/{patient.pk}/estimates", body)
    assert answer.status_code == 422, answer.content
    assert field in [e["field"] for e in answer.json()["errors"]]
    assert Estimate.objects.count() == 0


@pytest.mark.parametrize(("role", "status"), [("physician", 403), ("nurse", 403), ("manager", 201)])
def test_clinicians_see_no_estimates_by_default(
    api_as: Any, users: dict[str, Any], patient: Any, prices: Any, role: str, status: int
) -> None:
    client = api_as(users[role])
    assert client.post(f"/api/patients/{patient.pk}/estimates").status_code == status
    listed = client.get(f"/api/patients/{patient.pk}/estimates").status_code
    assert listed == (200 if status == 201 else 403)


def test_the_patient_sees_their_own_estimates_only(
    api_as: Any, users: dict[str, Any], patient: Any, patient_user: Any, prices: Any, register: Any
) -> None:
    issued = api_as(users["front_desk"]).post(f"/api/patients/{patient.pk}/estimates").json()
    me = api_as(patient_user)
    assert [e["id"] for e in me.get(f"/api/patients/{patient.pk}/estimates").json()] == [
        issued["id"]
    ]
    assert me.get(issued["pdf"]).status_code == 200
    assert me.post(f"/api/patients/{patient.pk}/estimates").status_code == 403
    other = register(mrn="MRN-0002")
    assert me.get(f"/api/patients/{other.pk}/estimates").status_code == 403


def test_no_price_list_is_a_conflict_that_says_what_to_do(
    api_as: Any, users: dict[str, Any], patient: Any, location: Any
) -> None:
    answer = api_as(users["front_desk"]).post(f"/api/patients/{patient.pk}/estimates")
    assert answer.status_code == 409
    assert "price list" in answer.json()["detail"]
