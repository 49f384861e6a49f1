"""The demo's billing: the completed session's charge from the demo price list, a cash
payment for it and a receipt; loading again writes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.billing import services
from ketaclinic.records.billing.choices import EntryKind
from ketaclinic.records.billing.models import Entry
from ketaclinic.records.demo import load_demo
from ketaclinic.records.sessions.models import Session


@pytest.fixture
def var_dir(settings: Any, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_the_completed_demo_session_is_charged_paid_and_has_a_receipt(
    db: Any, var_dir: Path, actor_for: Any
) -> None:
    from ketaclinic.records.accounts.models import User

    load_demo()
    signed = Session.objects.filter(signature__isnull=False).first()
    if signed is None:
        pytest.skip("the demo completes its session only after 02:30 in the clinic's zone")
    charge = Entry.objects.get(session=signed, kind=EntryKind.CHARGE)
    assert charge.code == "96365"
    assert charge.codes == ["96365", "J3490"]
    paid = Entry.objects.get(patient=signed.patient, kind=EntryKind.PAYMENT)
    desk = actor_for(User.objects.get(username="frontdesk"))
    assert services.balance(desk, signed.patient_id) == 0
    receipt = services.receipt(desk, signed.patient_id, paid.pk)
    assert [line.codes for line in receipt.services] == [["96365", "J3490"]]
    entries, audit_entries = Entry.objects.count(), AuditEvent.objects.count()
    load_demo()
    assert Entry.objects.count() == entries
    assert AuditEvent.objects.count() == audit_entries
