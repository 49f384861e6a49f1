"""The demo session: the plans' demo patient checked in on the live board; loading again
writes nothing."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.clinics.models import Location
from ketaclinic.records.demo import load_demo
from ketaclinic.records.plans.models import Order
from ketaclinic.records.sessions import reads, supply
from ketaclinic.records.sessions.models import Session


@pytest.fixture
def var_dir(settings: Any, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_the_demo_patient_is_checked_in_on_the_board(
    db: Any, var_dir: Path, actor_for: Any
) -> None:
    from ketaclinic.records.accounts.models import User

    load_demo()
    session = Session.objects.filter(signature__isnull=True).get()
    assert session.order == Order.objects.filter(plan__patient=session.patient).get()
    nurse = actor_for(User.objects.get(username="nurse"))
    sheet = reads.get_flowsheet(nurse, session.pk)
    assert sheet.state == "checked_in"
    assert [gap.field for gap in sheet.gaps] == ["scores", "scores"]  # pain now and 24 h
    # The dose is drawn for the session (the start's ledger gate is met), nothing given yet.
    assert supply.start_finding(session) is None
    [drawn] = sheet.supply.draws
    assert drawn.account.left_mg == drawn.account.drawn_mg >= Decimal(str(session.order.dose_mg))
    assert sheet.supply.preparation is not None
    assert {p.drug for p in sheet.prn_orders} == {
        "midazolam",
        "ondansetron",
        "clonidine",
        "labetalol",
    }
    [row] = reads.live_board(nurse, Location.objects.get(slug="demo-main").pk).rows
    assert (row.session.pk, row.session.chair.name) == (session.pk, "Chair 1")
    audit_entries = AuditEvent.objects.count()
    load_demo()
    assert Session.objects.count() == 2
    assert AuditEvent.objects.count() == audit_entries


def test_the_demo_has_one_completed_session_that_passed_every_gate(
    db: Any, var_dir: Path, actor_for: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from ketaclinic.records.accounts.models import User
    from ketaclinic.records.sessions.events import infusion_events
    from ketaclinic.records.sessions.models import GateOverride

    load_demo()
    done = Session.objects.get(signature__isnull=False)
    nurse = actor_for(User.objects.get(username="nurse"))
    sheet = reads.get_flowsheet(nurse, done.pk)
    assert sheet.state == "discharged"
    assert not GateOverride.objects.exists()
    assert sheet.open_alerts == []
    now = timezone.now()
    [event] = infusion_events([done.patient_id], now - timedelta(days=1), now)
    assert (event.final_state, event.signed, event.dose_mg) == (
        "discharged",
        True,
        done.order.dose_mg,
    )
