"""Signing is an electronic signature: the signer re-authenticates in that moment (password, or
a code from their authenticator), a wrong credential signs nothing and is audited, and the
signature records what it means (authored, verified, co-signed ...) and when."""

from __future__ import annotations

import time
from typing import Any

import pyotp
import pytest
from plans_support import SEED_DOSE

from ketaclinic.records.accounts import mfa
from ketaclinic.records.accounts.signatures import signed_line
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.errors import InvalidInput
from ketaclinic.records.plans import orders, services
from ketaclinic.records.plans.models import DoubleCheck, PlanSignature
from support import PASSWORD, SIGNED


def _enrol(user: Any) -> pyotp.TOTP:
    secret = pyotp.random_base32()
    mfa.enrol_with_secret(user, secret)
    return pyotp.TOTP(secret)


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "password"), ({"password": "not-" + PASSWORD}, "password"), ({"otp": "123456"}, "otp")],
)
def test_a_plan_is_not_signed_without_the_signers_credential(
    draft: Any, physician: Any, body: dict[str, str], field: str
) -> None:
    plan = draft()
    with pytest.raises(InvalidInput) as refused:
        services.sign_plan(physician, plan.pk, body)
    assert [e.field for e in refused.value.errors] == [field]
    assert not PlanSignature.objects.exists()
    failed = AuditEvent.objects.get(action="plan.sign", outcome="failed")
    assert failed.detail["fields"] == [field]


def test_a_signature_records_its_meaning_credential_and_time(
    draft: Any, physician: Any, nurse: Any, second_nurse: Any
) -> None:
    plan = services.sign_plan(physician, draft().pk, SIGNED)
    signature = PlanSignature.objects.get(plan=plan)
    assert (signature.meaning, signature.credential) == ("authored", "password")
    entry = AuditEvent.objects.get(action="plan.sign", outcome="allowed")
    assert (entry.detail["meaning"], entry.detail["credential"]) == ("authored", "password")
    assert signed_line(signature.meaning, signature.signed_by, signature.signed_at).startswith(
        "Signed (authored) by physician-user at "
    )
    order = orders.create_order(nurse, plan.pk, {"session_on": signature.signed_at.date()})
    orders.prepare_order(nurse, order.pk, SEED_DOSE)
    with pytest.raises(InvalidInput):
        orders.verify_order(second_nurse, order.pk, {**SEED_DOSE, "password": "wrong"})
    assert not DoubleCheck.objects.exists()
    check = orders.verify_order(second_nurse, order.pk, {**SEED_DOSE, **SIGNED})
    assert (check.meaning, check.credential, check.matches) == ("verified", "password", True)


def test_an_enrolled_signer_may_sign_with_an_authenticator_code_once(
    draft: Any, physician: Any
) -> None:
    totp = _enrol(physician.user)
    code = totp.now()
    first = draft()
    wrong_code = f"{(int(code) + 1) % 1_000_000:06d}"
    with pytest.raises(InvalidInput) as wrong:
        services.sign_plan(physician, first.pk, {"otp": wrong_code})
    assert wrong.value.errors[0].field == "otp"
    services.sign_plan(physician, first.pk, {"otp": code})
    assert PlanSignature.objects.get(plan=first).credential == "totp"
    amendment = services.amend_plan(
        physician, first.pk, {"duration_min": 60, "reason": "a longer infusion"}
    )
    with pytest.raises(InvalidInput) as replayed:  # a code is never accepted twice
        services.sign_plan(physician, amendment.pk, {"otp": code})
    assert replayed.value.errors[0].field == "otp"
    services.sign_plan(physician, amendment.pk, {"otp": totp.at(time.time() + 30)})
    assert PlanSignature.objects.get(plan=amendment).credential == "totp"
    assert AuditEvent.objects.filter(action="mfa.verify", outcome="failed").count() == 2


def test_the_api_takes_the_credential_and_shows_the_meaning(
    draft: Any, api_as: Any, users: dict[str, Any]
) -> None:
    doctor = api_as(users["physician"])
    plan = draft()
    refused = doctor.post(f"/api/plans/{plan.pk}/sign", {"password": "wrong"})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["password"]
    signed = doctor.post(f"/api/plans/{plan.pk}/sign", SIGNED)
    assert signed.status_code == 200
    assert signed.json()["signature_meaning"] == "authored"


def test_the_web_page_asks_for_the_password_and_shows_the_meaning(
    draft: Any, web_as: Any, users: dict[str, Any]
) -> None:
    physician = web_as(users["physician"])
    plan = draft()
    page = physician.get(f"/plans/{plan.pk}/")
    assert b'name="password"' in page.content
    refused = physician.post(f"/plans/{plan.pk}/sign/", {"password": "wrong"})
    assert refused.status_code == 422
    assert b"does not match your account" in refused.content
    assert physician.post(f"/plans/{plan.pk}/sign/", SIGNED).status_code == 302
    assert b"Signed (authored) by physician-user" in physician.get(f"/plans/{plan.pk}/").content
