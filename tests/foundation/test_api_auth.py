"""Bearer tokens: issue, use, revoke; failures counted and locked out."""

from __future__ import annotations

from typing import Any

from django.test import Client

from ketaclinic.records.accounts.models import ApiToken
from ketaclinic.records.audit.models import AuditEvent
from support import PASSWORD, ApiClient


def _token(username: str, password: str) -> Any:
    return Client().post(
        "/api/auth/token",
        {"username": username, "password": password},
        content_type="application/json",
    )


def test_token_is_stored_hashed(users: dict[str, Any]) -> None:
    answer = _token("nurse-user", PASSWORD)
    assert answer.status_code == 200
    token = answer.json()["token"]
    stored = ApiToken.objects.get()
    assert token not in stored.digest
    assert len(stored.digest) == 64


def test_wrong_password_is_401_and_audited(users: dict[str, Any]) -> None:
    answer = _token("nurse-user", "wrong-password")
    assert answer.status_code == 401
    failure = AuditEvent.objects.get(action="auth.token")
    assert (failure.outcome, failure.username) == ("failed", "nurse-user")


def test_lockout_after_repeated_failures(users: dict[str, Any], settings: Any) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert _token("nurse-user", "wrong-password").status_code in (401, 403, 429)
    # Locked: even the right password is refused now.
    assert _token("nurse-user", PASSWORD).status_code != 200


def test_unknown_fields_and_missing_fields_are_422(db: Any) -> None:
    answer = Client().post("/api/auth/token", {"username": "x"}, content_type="application/json")
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "password"


def test_revoked_token_no_longer_works(api_as: Any, users: dict[str, Any]) -> None:
    client = api_as(users["physician"])
    assert client.get("/api/patients").status_code == 200
    assert client.delete("/api/auth/token").status_code == 204
    assert client.get("/api/patients").status_code == 401
    assert ApiToken.objects.get().revoked_at is not None


def test_expired_token_no_longer_works(api_as: Any, users: dict[str, Any]) -> None:
    from datetime import timedelta

    from django.utils import timezone

    client: ApiClient = api_as(users["physician"])
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/patients").status_code == 401


def test_deactivated_user_token_no_longer_works(api_as: Any, users: dict[str, Any]) -> None:
    client = api_as(users["physician"])
    users["physician"].is_active = False
    users["physician"].save()
    assert client.get("/api/patients").status_code == 401


def test_tokens_that_can_no_longer_work_are_purged_when_a_token_is_issued(
    users: dict[str, Any],
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    for _ in range(3):
        assert _token("nurse-user", PASSWORD).status_code == 200
    expired, revoked_long_ago, revoked_now = ApiToken.objects.order_by("pk")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=now - timedelta(seconds=1))
    ApiToken.objects.filter(pk=revoked_long_ago.pk).update(revoked_at=now - timedelta(days=2))
    ApiToken.objects.filter(pk=revoked_now.pk).update(revoked_at=now)
    assert _token("physician-user", PASSWORD).status_code == 200
    kept = set(ApiToken.objects.values_list("pk", flat=True))
    assert expired.pk not in kept
    assert revoked_long_ago.pk not in kept
    assert revoked_now.pk in kept  # a fresh revocation stays visible for a day
    assert len(kept) == 2
