"""Reading sessions: the live board, a patient's sessions, the orders a session can be opened
for, the ledger posting, and ``infusion_events`` for outcomes (in SQL, no N+1)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from sessions_support import GOOD_VITALS, minutes_to_discharge, walk

from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.sessions import flowsheet, ledger, lifecycle, reads
from ketaclinic.records.sessions.events import SideEffectSeen, infusion_events
from support import PASSWORD

pytestmark = pytest.mark.django_db


def ago(minutes: float) -> Any:
    return timezone.now() - timedelta(minutes=minutes)


@pytest.fixture
def two_sessions(
    nurse: Any,
    register: Callable[..., Any],
    make_order: Callable[..., Any],
    open_session: Callable[..., Any],
    session: Any,
) -> tuple[Any, Any]:
    """``session`` discharged after a severe side effect (alert acknowledged), and a second
    patient's session infusing for 25 minutes."""
    from ketaclinic.records.alerts import services as alerts

    start = ago(minutes_to_discharge(session) + 3)
    walk(nurse, session.pk, "infusing", start)
    effect = flowsheet.record_side_effect(
        nurse,
        session.pk,
        {"kind": "nausea", "severity": "severe", "at": start + timedelta(minutes=20)},
    )
    alerts.acknowledge(nurse, effect.alerts[0].pk, "ondansetron given")
    walk(nurse, session.pk, "discharged", start)
    other = open_session(make_order(register(mrn="MRN-0002", given_name="Blake")))
    walk(nurse, other.pk, "infusing", ago(35))
    return session, other


def test_infusion_events_summarise_each_infusion(two_sessions: tuple[Any, Any]) -> None:
    done, running = two_sessions
    since, until = ago(24 * 60), timezone.now()
    events = infusion_events([done.patient_id, running.patient_id], since, until)
    assert [event.session_id for event in events] == [done.pk, running.pk]
    first, second = events
    assert (first.final_state, first.dose_mg, first.route) == ("discharged", 35, "iv_infusion")
    assert first.ended_at is not None
    assert first.ended_at > first.started_at
    assert (first.max_cadss6, first.alert_count, first.signed) == (6, 1, False)
    assert first.side_effects == (SideEffectSeen("nausea", "severe"),)
    assert (first.protocol_id, first.location_id) == (done.protocol_id, done.location_id)
    assert (second.final_state, second.ended_at, second.dose_mg) == ("infusing", None, None)
    assert infusion_events([done.patient_id], since, until)[0].session_id == done.pk
    assert infusion_events([done.patient_id], until, until + timedelta(days=1)) == []


def test_infusion_events_take_three_queries_however_many_sessions(
    two_sessions: tuple[Any, Any], django_assert_num_queries: Any
) -> None:
    ids = [session.patient_id for session in two_sessions]
    # The sessions, their side effects, their physician overrides.
    with django_assert_num_queries(3):
        infusion_events(ids, ago(24 * 60), timezone.now())


def test_a_session_never_started_is_not_an_infusion(nurse: Any, session: Any) -> None:
    lifecycle.transition(nurse, session.pk, {"command": "cancel", "reason": "no show"})
    assert infusion_events([session.patient_id], ago(60), timezone.now()) == []


def test_the_live_board_shows_the_chairs_in_use(
    two_sessions: tuple[Any, Any], nurse: Any, desk: Any, location: Any
) -> None:
    _done, running = two_sessions
    alarm = flowsheet.record_vitals(nurse, running.pk, {**GOOD_VITALS, "spo2_percent": 88})
    board = reads.live_board(desk, location.pk)
    [row] = board.rows
    assert row.session.pk == running.pk
    assert (row.session.state, row.state_label) == ("infusing", "Infusing")
    assert 24 < row.elapsed_min < 26
    assert (row.session.open_alerts, row.session.urgent_open_alerts) == (1, 1)
    assert row.next_vitals_due == alarm.entry.at + timedelta(minutes=15)
    assert not row.vitals_overdue
    assert [chair.name for chair in board.free_chairs] == ["Chair 2"]
    audited = AuditEvent.objects.filter(action="session.board").latest("id")
    assert audited.detail["shown"] == [running.pk]


def test_overdue_vitals_show_on_the_board(nurse: Any, session: Any, location: Any) -> None:
    walk(nurse, session.pk, "infusing", ago(40))  # started 30 min ago, no vitals since
    [row] = reads.live_board(nurse, location.pk).rows
    assert row.vitals_overdue


def test_the_board_polls_in_few_queries(
    two_sessions: tuple[Any, Any], nurse: Any, location: Any, django_assert_max_num_queries: Any
) -> None:
    # the board's reads, and its audit entry chained (savepoint, head lock, insert, head move)
    with django_assert_max_num_queries(8):
        reads.live_board(nurse, location.pk)


def test_a_patients_sessions_are_paginated_and_audited(
    two_sessions: tuple[Any, Any], nurse: Any
) -> None:
    done, _ = two_sessions
    page = reads.patient_sessions(nurse, done.patient_id)
    assert [s.pk for s in page.items] == [done.pk]
    assert page.items[0].dose_given_mg == 35
    for bad in ({"page": 0}, {"page_size": 101}):
        with pytest.raises(InvalidInput):
            reads.patient_sessions(nurse, done.patient_id, **bad)
    assert AuditEvent.objects.filter(
        action="session.view", patient_id=done.patient_id, detail__shown=[done.pk]
    ).exists()


def test_openable_orders_are_todays_without_a_session(
    desk: Any, patient: Any, order: Any, open_session: Callable[..., Any]
) -> None:
    assert [o.pk for o in reads.openable_orders(desk, patient.pk)] == [order.pk]
    open_session(order)
    assert reads.openable_orders(desk, patient.pk) == []


# --- the controlled-substance ledger -------------------------------------------------------


@pytest.fixture
def drawn(request: Any, physician: Any, nurse: Any, location: Any, patient: Any) -> Any:
    """Ketamine received at the location and drawn for the patient: by default 50 mg/mL with
    1 mL (50 mg) drawn; ``indirect`` parameters give (strength mg/mL, volume drawn mL)."""
    strength_mg_per_ml, drawn_ml = getattr(request, "param", (50, 1))
    from ketaclinic.records.ledger import catalog
    from ketaclinic.records.ledger import services as ledger_services
    from ketaclinic.records.ledger.models import Lot

    storage = catalog.add_storage(physician, {"location": location.slug, "name": "Safe"})
    product = catalog.add_product(
        physician,
        {"name": "Ketamine", "ndc": "99999-0050-10", "strength_mg_per_ml": strength_mg_per_ml,
         "vial_volume_ml": 20},
    )  # fmt: skip
    ledger_services.receive(
        physician,
        {
            "storage_id": storage.pk,
            "product_id": product.pk,
            "lot_number": "L-1",
            "expires_on": timezone.localdate() + timedelta(days=365),
            "vials": 1,
            "received_on": timezone.localdate(),
            "supplier_name": "Supplier",
            "supplier_address": "1 Way",
            "supplier_dea_number": "RS1234563",
            "invoice_number": "I-1",
        },
    )
    lot = Lot.objects.get(lot_number="L-1")
    return ledger_services.draw(
        nurse,
        {"storage_id": storage.pk, "lot_id": lot.pk, "patient_id": patient.pk,
         "volume_ml": drawn_ml},
    )  # fmt: skip


@pytest.mark.parametrize("drawn", [(3, 12)], indirect=True)
def test_a_dose_that_is_no_whole_thousandth_of_a_ml_is_posted_rounded(
    nurse: Any, session: Any, walked: Any, drawn: Any
) -> None:
    from ketaclinic.records.ledger.models import DrawBalance

    walked("recovery")
    posting = ledger.post_to_ledger(
        nurse,
        session.pk,
        {"draw_id": drawn.pk, "witness_username": "physician-user", "witness_password": PASSWORD},
    )
    # 35 mg at 3 mg/mL is 11.666... mL: posted as 11.667 mL, the rest (0.333 mL) wasted.
    assert posting.administered.in_use_ml == Decimal("-11.667")
    assert posting.wasted is not None
    assert posting.wasted.in_use_ml == Decimal("-0.333")
    assert DrawBalance.objects.get(draw=drawn).remaining_ml == 0


def test_the_dose_given_is_posted_and_the_rest_wasted_before_a_witness(
    nurse: Any, session: Any, walked: Any, drawn: Any, users: dict[str, Any]
) -> None:
    from ketaclinic.records.ledger.models import DrawBalance

    walked("recovery")
    witness = {"witness_username": "nurse-user", "witness_password": PASSWORD}
    with pytest.raises(InvalidInput) as caught:
        ledger.post_to_ledger(nurse, session.pk, {"draw_id": drawn.pk, **witness})
    assert caught.value.errors[0].field == "witness_username"
    assert DrawBalance.objects.get(draw=drawn).remaining_ml == Decimal("1.000")
    posting = ledger.post_to_ledger(
        nurse,
        session.pk,
        {"draw_id": drawn.pk, "witness_username": "physician-user", "witness_password": PASSWORD},
    )
    assert posting.administered.in_use_mg == Decimal("-35")
    assert posting.wasted is not None
    assert posting.wasted.in_use_ml == Decimal("-0.3")
    assert DrawBalance.objects.get(draw=drawn).remaining_ml == 0
    with pytest.raises(Conflict, match="already posted"):
        ledger.post_to_ledger(nurse, session.pk, {"draw_id": drawn.pk})
    assert [d.pk for d in ledger.open_draws(nurse, session.pk)] == []


def test_the_ledger_waits_for_the_end_of_the_infusion(
    nurse: Any, session: Any, walked: Any, drawn: Any
) -> None:
    walked("infusing", minutes_ago=30)
    with pytest.raises(Conflict, match="after the infusion has ended"):
        ledger.post_to_ledger(nurse, session.pk, {"draw_id": drawn.pk})
    assert [d.pk for d in ledger.open_draws(nurse, session.pk)] == [drawn.pk]
