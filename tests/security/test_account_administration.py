"""Account administration: managers list, deactivate, reactivate, unlock, change roles and
issue one-time password links, in the web and the CLI; all audited; the last manager stays."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ketaclinic.cli import main as cli
from ketaclinic.records.accounts import administration as admin
from ketaclinic.records.accounts.command_line import system_actor
from ketaclinic.records.accounts.models import ApiToken, PasswordResetLink, User
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.context import Face
from ketaclinic.records.errors import Conflict, Forbidden, InvalidInput
from support import PASSWORD, as_user

NEW_PASSWORD = "wombat lantern quarry violet"


def _bad_logins(username: str, times: int, address: str = "10.0.0.9") -> None:
    for _ in range(times):
        Client(REMOTE_ADDR=address).post(
            "/api/auth/token",
            {"username": username, "password": "wrong-password"},
            content_type="application/json",
        )


def _can_log_in(username: str, password: str) -> bool:
    answer = Client().post(
        "/api/auth/token",
        {"username": username, "password": password},
        content_type="application/json",
    )
    return answer.status_code == 200


def test_the_list_shows_role_state_lock_and_last_login(
    users: dict[str, Any], actor_for: Any, settings: Any
) -> None:
    Client().post("/login/", {"username": "nurse-user", "password": PASSWORD})
    _bad_logins("physician-user", settings.AXES_FAILURE_LIMIT)
    rows = {row.username: row for row in admin.list_accounts(actor_for(users["manager"]))}
    assert rows["nurse-user"].last_login is not None
    assert rows["physician-user"].locked
    assert not rows["nurse-user"].locked
    assert rows["front_desk-user"].role_label == "Front desk"
    assert AuditEvent.objects.filter(action="account.list", username="manager-user").exists()


@pytest.mark.parametrize("role", ["physician", "nurse", "front_desk"])
def test_only_managers_administer(users: dict[str, Any], actor_for: Any, role: str) -> None:
    with pytest.raises(Forbidden):
        admin.deactivate(actor_for(users[role]), users["nurse"].pk)
    assert User.objects.get(pk=users["nurse"].pk).is_active
    assert AuditEvent.objects.filter(action="account.manage", outcome="denied").exists()


def test_deactivation_stops_log_in_and_revokes_tokens(
    users: dict[str, Any], actor_for: Any, api_as: Any
) -> None:
    client = api_as(users["nurse"])
    admin.deactivate(actor_for(users["manager"]), users["nurse"].pk)
    assert client.get("/api/patients").status_code == 401
    assert ApiToken.objects.get().revoked_at is not None
    assert not _can_log_in("nurse-user", PASSWORD)
    entry = AuditEvent.objects.get(action="account.deactivate")
    assert (entry.username, entry.object_id) == ("manager-user", str(users["nurse"].pk))
    admin.reactivate(actor_for(users["manager"]), users["nurse"].pk)
    assert _can_log_in("nurse-user", PASSWORD)


def test_a_manager_cannot_deactivate_themselves_nor_the_last_manager(
    users: dict[str, Any], actor_for: Any, make_user: Any
) -> None:
    manager = actor_for(users["manager"])
    with pytest.raises(Conflict, match="your own"):
        admin.deactivate(manager, users["manager"].pk)
    with pytest.raises(Conflict, match="last active manager"):
        admin.change_role(manager, users["manager"].pk, "nurse")
    with pytest.raises(Conflict, match="last active manager"):
        admin.deactivate(system_actor(), users["manager"].pk)
    assert AuditEvent.objects.filter(action="account.deactivate", outcome="failed").count() == 2
    second = make_user("manager", username="second-manager")
    admin.change_role(manager, second.pk, "nurse")
    assert User.objects.get(pk=second.pk).role == "nurse"
    entry = AuditEvent.objects.get(action="account.role_change", outcome="allowed")
    assert entry.detail == {"from": "manager", "to": "nurse"}


def test_a_role_must_be_a_staff_role(users: dict[str, Any], actor_for: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        admin.change_role(actor_for(users["manager"]), users["nurse"].pk, "patient")
    assert refused.value.errors[0].field == "role"


def test_unlock_clears_the_lockout(users: dict[str, Any], actor_for: Any, settings: Any) -> None:
    _bad_logins("nurse-user", settings.AXES_FAILURE_LIMIT)
    locked = Client(REMOTE_ADDR="10.0.0.9").post(
        "/api/auth/token",
        {"username": "nurse-user", "password": PASSWORD},
        content_type="application/json",
    )
    assert locked.status_code == 429
    admin.unlock(actor_for(users["manager"]), users["nurse"].pk)
    again = Client(REMOTE_ADDR="10.0.0.9").post(
        "/api/auth/token",
        {"username": "nurse-user", "password": PASSWORD},
        content_type="application/json",
    )
    assert again.status_code == 200
    assert AuditEvent.objects.filter(action="account.unlock").exists()


def test_a_reset_link_is_stored_hashed_works_once_and_expires(
    users: dict[str, Any], actor_for: Any
) -> None:
    secret = admin.issue_reset_link(actor_for(users["manager"]), users["nurse"].pk)
    stored = PasswordResetLink.objects.get()
    assert stored.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in stored.digest
    page = Client().get(f"/password/{secret}/")
    assert page.status_code == 200
    assert b"nurse-user" in page.content
    weak = Client().post(f"/password/{secret}/", {"password": "aaaaaaaaaaaa"})
    assert weak.status_code == 422
    done = Client().post(f"/password/{secret}/", {"password": NEW_PASSWORD})
    assert done.status_code == 302
    assert _can_log_in("nurse-user", NEW_PASSWORD)
    again = Client().post(f"/password/{secret}/", {"password": "another fine passphrase here"})
    assert again.status_code == 422
    assert Client().get(f"/password/{secret}/").status_code == 404
    actions = list(
        AuditEvent.objects.filter(action__startswith="account.reset").values_list(
            "action", "outcome"
        )
    )
    assert ("account.reset_issue", "allowed") in actions
    assert ("account.reset_use", "allowed") in actions
    assert actions.count(("account.reset_use", "failed")) == 2


def test_an_expired_or_replaced_link_is_refused(users: dict[str, Any], actor_for: Any) -> None:
    manager = actor_for(users["manager"])
    first = admin.issue_reset_link(manager, users["nurse"].pk)
    second = admin.issue_reset_link(manager, users["nurse"].pk)
    with pytest.raises(InvalidInput):
        admin.use_reset_link(first, NEW_PASSWORD, "127.0.0.1", Face.WEB)
    PasswordResetLink.objects.filter(used_at__isnull=True).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(InvalidInput):
        admin.use_reset_link(second, NEW_PASSWORD, "127.0.0.1", Face.WEB)


def test_the_web_pages_for_managers(users: dict[str, Any], web_as: Any) -> None:
    client = web_as(users["manager"])
    page = client.get("/accounts/")
    assert page.status_code == 200
    assert b"front_desk-user" in page.content
    nurse = users["nurse"].pk
    assert client.post(f"/accounts/{nurse}/deactivate/").status_code == 302
    assert not User.objects.get(pk=nurse).is_active
    assert client.post(f"/accounts/{nurse}/reactivate/").status_code == 302
    assert client.post(f"/accounts/{nurse}/role/", {"role": "physician"}).status_code == 302
    assert User.objects.get(pk=nurse).role == "physician"
    reset = client.post(f"/accounts/{nurse}/password-link/")
    assert reset.status_code == 200
    assert b"/password/" in reset.content
    own = client.post(f"/accounts/{users['manager'].pk}/deactivate/")
    assert own.status_code == 409
    assert b"your own account" in own.content
    assert web_as(users["nurse"]).get("/accounts/").status_code == 403


def test_reset_links_stay_out_of_the_logs() -> None:
    from ketaclinic.logs import redact_path

    assert redact_path("/password/abcdef123/") == "/password/[link]/"


def test_the_cli_administers_as_a_manager_or_the_system(users: dict[str, Any], capsys: Any) -> None:
    assert cli(["user", "deactivate", "nurse-user", *as_user("manager-user")]) == 0
    assert not User.objects.get(pk=users["nurse"].pk).is_active
    assert cli(["user", "reactivate", "nurse-user", "--system"]) == 0
    entry = AuditEvent.objects.get(action="account.reactivate")
    assert (entry.username, entry.role, entry.face) == ("system", "system", "system")
    capsys.readouterr()
    assert cli(["user", "reset", "nurse-user", "--system", "--base-url", "https://c.example"]) == 0
    link = capsys.readouterr().out.splitlines()[0]
    assert link.startswith("https://c.example/password/")
    assert cli(["user", "unlock", "nurse-user", *as_user("manager-user")]) == 0
    assert cli(["user", "role", "nurse-user", "janitor", "--system"]) == 2
    assert "ROLE" in capsys.readouterr().err
    assert cli(["user", "deactivate", "nobody", "--system"]) == 2
    assert cli(["user", "deactivate", "manager-user", *as_user("manager-user")]) == 1
    assert cli(["user", "list", "--system", "--format", "json"]) == 0
    assert "physician-user" in capsys.readouterr().out
    assert cli(["user", "deactivate", "nurse-user", *as_user("physician-user")]) == 1
