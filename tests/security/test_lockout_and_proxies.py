"""Lockout per username and address behind trusted proxies; the API's lockout answer."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory

from ketaclinic.api.app import api
from ketaclinic.proxies import client_address
from ketaclinic.records.audit.models import AuditEvent
from support import PASSWORD

PROXY = "10.1.2.3"


def _token(password: str, address: str = "10.0.0.9", forwarded: str = "") -> Any:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return Client(REMOTE_ADDR=address).post(
        "/api/auth/token",
        {"username": "nurse-user", "password": password},
        content_type="application/json",
        **extra,
    )


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("203.0.113.5", "198.51.100.7", "203.0.113.5"),  # not a proxy: the header is ignored
        (PROXY, "198.51.100.7", "198.51.100.7"),
        (PROXY, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the client's own claim is skipped
        (PROXY, "198.51.100.7, 10.1.2.4", "198.51.100.7"),  # a chain of trusted proxies
        (PROXY, "", PROXY),
        (PROXY, "garbage", PROXY),
        (PROXY, "[2001:db8::1]:4430", "2001:db8::1"),
    ],
)
def test_the_client_address_comes_from_trusted_proxies_only(
    settings: Any, peer: str, forwarded: str, expected: str
) -> None:
    settings.TRUSTED_PROXIES = [PROXY, "10.1.2.4/32"]
    request = RequestFactory().get("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_a_success_clears_the_failure_count(users: dict[str, Any], settings: Any) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _token("wrong-password").status_code == 401
    assert _token(PASSWORD).status_code == 200
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _token("wrong-password").status_code == 401
    assert _token(PASSWORD).status_code == 200


def test_the_lockout_is_json_429_with_retry_after_and_audited_as_locked_out(
    users: dict[str, Any], settings: Any
) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _token("wrong-password")
    locked = _token(PASSWORD)
    assert locked.status_code == 429
    assert locked["Content-Type"].startswith("application/json")
    assert int(locked["Retry-After"]) == int(settings.AXES_COOLOFF_TIME * 3600)
    assert "locked" in locked.json()["detail"]
    last = AuditEvent.objects.filter(action="auth.token").order_by("-id").first()
    assert last is not None
    assert last.detail["reason"] == "locked out"
    answers = api.get_openapi_schema()["paths"]["/api/auth/token"]["post"]["responses"]
    assert "Retry-After" in answers["429"]["headers"]


def test_the_web_lockout_page_says_when_to_try_again(users: dict[str, Any], settings: Any) -> None:
    client = Client(REMOTE_ADDR="10.0.0.9")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "nurse-user", "password": "wrong-password"})
    page = client.post("/login/", {"username": "nurse-user", "password": PASSWORD})
    assert page.status_code == 429
    assert "Retry-After" in page
    assert AuditEvent.objects.filter(detail__reason="locked out").exists()


def test_failures_from_one_address_do_not_lock_out_another(
    users: dict[str, Any], settings: Any
) -> None:
    settings.TRUSTED_PROXIES = [PROXY]
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        _token("wrong-password", address=PROXY, forwarded="198.51.100.66")
    assert _token(PASSWORD, address=PROXY, forwarded="198.51.100.66").status_code == 429
    assert _token(PASSWORD, address=PROXY, forwarded="198.51.100.7").status_code == 200
    # A client cannot dodge its lockout by claiming another address itself.
    spoofed = _token(PASSWORD, address=PROXY, forwarded="1.2.3.4, 198.51.100.66")
    assert spoofed.status_code == 429
    entry = AuditEvent.objects.filter(action="auth.token", outcome="allowed").get()
    assert entry.source_address == "198.51.100.7"
