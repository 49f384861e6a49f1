"""Production settings pass Django's deployment checks and refuse to run without a secret."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings

# The test process allows async-unsafe ORM use for the browser tests; a server never does.
CLEAN_ENV = {
    k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "SECRET_KEY")
}


def _check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env={**CLEAN_ENV, "DJANGO_SETTINGS_MODULE": "ketaclinic.settings.production", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_check_deploy() -> None:
    result = _check(
        {
            "SECRET_KEY": "x" * 20 + "-production-only-" + "y" * 30,
            "ALLOWED_HOSTS": "clinic.example.org",
        }
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "django", "check"],
        env={**CLEAN_ENV, "DJANGO_SETTINGS_MODULE": "ketaclinic.settings.production"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_passwords_are_hashed_with_argon2_outside_tests() -> None:
    from ketaclinic.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_times_are_timezone_aware() -> None:
    assert settings.USE_TZ


def test_no_state_lives_in_an_app_process() -> None:
    """Several app servers behind a proxy (docs/operations.md): sessions, log-in failures and
    caches are kept where every server sees them, or not at all."""
    from django.conf import settings

    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    assert settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
    assert "ketaclinic.api.idempotency.IdempotencyKeys" in settings.MIDDLEWARE
