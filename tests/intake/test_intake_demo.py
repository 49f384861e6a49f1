"""The demo has a patient with a pending intake invitation and one whose online intake awaits
review; loading it again changes nothing and sends nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core import mail

from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.demo import load_demo
from ketaclinic.records.intake.models import Intake, Invitation


def test_demo_intake_is_loaded_once(db: Any, settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path
    logins = load_demo()
    pending = Invitation.objects.get(patient__mrn="DEMO-0101")
    assert pending.used_at is None
    assert pending.revoked_at is None
    sent = Intake.objects.get()
    assert (sent.patient.mrn, sent.status) == ("DEMO-0102", "submitted")
    assert set(sent.entries) == {"contacts", "medicines", "history"}
    assert sent.patient.medications == []  # not in the record until a clinician confirms it
    entries = AuditEvent.objects.count()
    assert load_demo() == logins
    assert (Invitation.objects.count(), Intake.objects.count()) == (2, 1)
    assert AuditEvent.objects.count() == entries
    assert mail.outbox == []
    assert "newpatient" in {login.username for login in logins}
