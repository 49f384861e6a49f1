"""The embedded demo: SQLite under var/, plain HTTP on loopback, a generated secret key."""

from __future__ import annotations

import os
import secrets

from .base import *  # noqa: F403
from .base import SECRET_KEY, VAR_DIR

if not SECRET_KEY:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _key_file = VAR_DIR / "secret_key"
    if not _key_file.exists():
        _key_file.write_text(secrets.token_urlsafe(50))
        _key_file.chmod(0o600)
    SECRET_KEY = _key_file.read_text().strip()

# Reminders and offers run in-process, right after the booking commits.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# `ketaclinic audit checkpoint` appends here unless told otherwise (a clinic keeps it elsewhere).
KETACLINIC_AUDIT_CHECKPOINT_FILE = os.environ.get(
    "KETACLINIC_AUDIT_CHECKPOINT_FILE", str(VAR_DIR / "audit-checkpoints.jsonl")
)
# The demo's own accounts log in without a second factor unless the demo was started with
# `ketaclinic demo --mfa` (which sets KETACLINIC_DEMO_MFA=1 and enrols every staff login;
# var/demo-logins.txt then gives each one's TOTP secret as a third column).
MFA_REQUIRED = os.environ.get("KETACLINIC_DEMO_MFA", "") == "1"
# The command line accepts the demo's own accounts by name (their passwords are in the demo's
# logins file), so the README's examples stay one line.
KETACLINIC_DEMO = True
