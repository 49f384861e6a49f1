"""Multi-factor log-in (ONC 170.315(d)(13)): TOTP enrolment in the web, the second step of
log-in, recovery codes (single use, stored hashed), the second factor for API tokens, the
per-role policy, and the audit of each step."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
import pytest
from django.test import Client

from ketaclinic.records.accounts import mfa
from ketaclinic.records.accounts.models import RecoveryCode, TotpDevice
from ketaclinic.records.audit.models import AuditEvent
from support import PASSWORD


@pytest.fixture
def mfa_required(settings: Any) -> None:
    settings.MFA_REQUIRED = True  # off for the rest of the suite (settings/test.py)


def _log_in(client: Client, username: str) -> Any:
    return client.post("/login/", {"username": username, "password": PASSWORD})


def _later(totp: pyotp.TOTP) -> str:
    """The next step's code: a code once accepted is never accepted again."""
    return totp.at(time.time() + 30)


def test_every_staff_role_and_no_patient_is_required_by_default() -> None:
    assert mfa.mfa_policy().required_roles == {"physician", "nurse", "front_desk", "manager"}


def test_a_required_user_without_a_device_enrols_after_the_password(
    users: dict[str, Any], mfa_required: None
) -> None:
    client = Client()
    answer = _log_in(client, "nurse-user")
    assert answer["Location"] == "/account/second-factor/enrol/"
    assert client.get("/patients/").status_code == 302  # not logged in yet
    page = client.get("/account/second-factor/enrol/")
    assert b'<div class="qr" aria-label="QR code of your authenticator key"><svg' in page.content
    secret = re.search(rb'id="totp-secret">([A-Z2-7]+)<', page.content).group(1).decode()
    wrong = client.post("/account/second-factor/enrol/", {"otp": "12345"})
    assert wrong.status_code == 422
    assert secret.encode() in wrong.content  # the same secret, to try the next code
    done = client.post("/account/second-factor/enrol/", {"otp": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(rb"<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code>", done.content)
    assert len(codes) == 10
    assert client.get("/patients/").status_code == 200  # logged in
    stored = set(RecoveryCode.objects.values_list("digest", flat=True))
    assert not any(code.decode() in digest for code in codes for digest in stored)
    assert AuditEvent.objects.filter(action="mfa.enrol", outcome="allowed").count() == 1
    assert AuditEvent.objects.filter(action="mfa.enrol", outcome="failed").count() == 1
    login = AuditEvent.objects.get(action="auth.login", username="nurse-user")
    assert login.detail == {"second_factor": "totp"}


def test_the_second_step_takes_a_current_code_once_and_a_recovery_code_once(
    users: dict[str, Any],
) -> None:
    """An enrolled user is asked for a code even when the policy is off."""
    secret = pyotp.random_base32()
    mfa.enrol_with_secret(users["physician"], secret)
    totp = pyotp.TOTP(secret)
    client = Client()
    assert _log_in(client, "physician-user")["Location"] == "/login/code/"
    assert client.post("/login/code/", {"otp": "000000"}).status_code == 401
    assert client.post("/login/code/", {"otp": totp.now()}).status_code == 302
    assert client.get("/patients/").status_code == 200
    again = Client()
    _log_in(again, "physician-user")
    assert again.post("/login/code/", {"otp": totp.now()}).status_code == 401  # replayed
    recovery = "abcd-efgh-jkmn"
    RecoveryCode.objects.create(user=users["physician"], digest=mfa._digest(recovery))
    assert again.post("/login/code/", {"otp": recovery.upper()}).status_code == 302
    third = Client()
    _log_in(third, "physician-user")
    assert third.post("/login/code/", {"otp": recovery}).status_code == 401  # used up
    assert AuditEvent.objects.filter(action="mfa.recovery_code").count() == 1
    assert AuditEvent.objects.filter(action="mfa.verify", outcome="failed").count() == 3


def test_api_tokens_ask_for_the_second_factor_as_otp(users: dict[str, Any]) -> None:
    secret = pyotp.random_base32()
    mfa.enrol_with_secret(users["manager"], secret)
    totp = pyotp.TOTP(secret)

    def token(**extra: str) -> Any:
        body = {"username": "manager-user", "password": PASSWORD, **extra}
        return Client().post("/api/auth/token", body, content_type="application/json")

    missing = token()
    assert missing.status_code == 401
    assert missing["Content-Type"].startswith("application/json")
    assert "second factor is required" in missing.json()["detail"]
    wrong = token(otp="000000" if totp.now() != "000000" else "111111")
    assert wrong.status_code == 401
    assert "wrong" in wrong.json()["detail"]
    assert token(otp=totp.now()).status_code == 200
    recovery = "pqrs-tuvw-xyz2"
    RecoveryCode.objects.create(user=users["manager"], digest=mfa._digest(recovery))
    assert token(otp=recovery).status_code == 200
    assert token(otp=recovery).status_code == 401
    assert AuditEvent.objects.filter(action="auth.token", outcome="failed").count() == 3


def test_api_tokens_of_a_required_user_without_a_device_are_refused(
    users: dict[str, Any], mfa_required: None
) -> None:
    answer = Client().post(
        "/api/auth/token",
        {"username": "front_desk-user", "password": PASSWORD, "otp": "123456"},
        content_type="application/json",
    )
    assert answer.status_code == 401
    assert "set up an authenticator" in answer.json()["detail"]


def test_patients_need_no_second_factor(patient_user: Any, mfa_required: None) -> None:
    assert _log_in(Client(), "patient-user")["Location"] == "/"
    assert not TotpDevice.objects.exists()


def test_the_account_page_offers_enrolment(users: dict[str, Any], web_as: Any) -> None:
    page = web_as(users["nurse"]).get("/account/second-factor/")
    assert b"Set up an authenticator" in page.content
