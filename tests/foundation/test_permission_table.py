"""Walk every cell of the role × action table through the real services."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from billing_probes import BILLING_PROBES

from ketaclinic.records.accounts import audit_trail as audit
from ketaclinic.records.accounts import emergency
from ketaclinic.records.accounts import services as accounts
from ketaclinic.records.accounts.permissions import PERMISSIONS, Action, role_allows
from ketaclinic.records.accounts.roles import Role
from ketaclinic.records.alerts import services as alerts
from ketaclinic.records.assessments import history as assessment_history
from ketaclinic.records.assessments import services as assessments
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.bookings import board as booking_board
from ketaclinic.records.bookings import feeds as booking_feeds
from ketaclinic.records.bookings import reminders as booking_reminders
from ketaclinic.records.bookings import services as bookings
from ketaclinic.records.clinics import services as clinics
from ketaclinic.records.consents import services as consents
from ketaclinic.records.enquiries import services as enquiries
from ketaclinic.records.errors import Forbidden, InvalidInput
from ketaclinic.records.intake import entries as intake_entries
from ketaclinic.records.intake import invitations as intake_invitations
from ketaclinic.records.intake import review as intake_review
from ketaclinic.records.ledger import catalog as ledger_catalog
from ketaclinic.records.ledger import counts as ledger_counts
from ketaclinic.records.ledger import losses as ledger_losses
from ketaclinic.records.ledger import reports as ledger_reports
from ketaclinic.records.ledger import services as ledger
from ketaclinic.records.ledger import stock as ledger_stock
from ketaclinic.records.outcomes import cohort as outcome_cohort
from ketaclinic.records.outcomes import exchange as outcome_exchange
from ketaclinic.records.outcomes import reports as outcome_reports
from ketaclinic.records.outcomes import research as outcome_research
from ketaclinic.records.outcomes import services as outcome_services
from ketaclinic.records.outcomes import tables as outcome_tables
from ketaclinic.records.patients import pharmacokinetics
from ketaclinic.records.patients import services as patients
from ketaclinic.records.plans import catalog, orders, screening, titration
from ketaclinic.records.plans import services as plans
from ketaclinic.records.pricing import estimates as pricing_estimates
from ketaclinic.records.pricing import services as pricing
from ketaclinic.records.results import services as results
from ketaclinic.records.sessions import flowsheet as session_flowsheet
from ketaclinic.records.sessions import lifecycle as session_lifecycle
from ketaclinic.records.sessions import overrides as session_overrides
from ketaclinic.records.sessions import reads as session_reads
from ketaclinic.records.sessions import signing as session_signing
from support import PASSWORD, PATIENT_DATA, SIGNED

Probe = Callable[[Any, Any], object]


def _alert_for(patient: Any) -> Any:
    """An open alert on ``patient``, raised by the physician who registered it."""
    from ketaclinic.records.accounts.models import User
    from ketaclinic.records.context import Actor, Face

    raiser = Actor(user=User.objects.get(username="physician-user"), face=Face.SYSTEM)
    new = alerts.NewAlert(code="test.alert", message="test", severity="warning")
    return alerts.raise_alerts(raiser, patient, patient, [new])[0]


def _addressed_alert_for(patient: Any) -> Any:
    """An open alert on ``patient`` addressed to the physician (as for a patient whose
    responsible physician is set)."""
    from ketaclinic.records.accounts.models import User
    from ketaclinic.records.alerts.models import Alert

    alert = _alert_for(patient)
    Alert.objects.filter(pk=alert.pk).update(
        addressed_to=User.objects.get(username="physician-user")
    )
    return alert


def _assessment_for(patient: Any) -> Any:
    """A signed NRS assessment of ``patient``, recorded by the physician who registered it."""
    from ketaclinic.records.accounts.models import User
    from ketaclinic.records.context import Actor, Face

    recorder = Actor(user=User.objects.get(username="physician-user"), face=Face.SYSTEM)
    return assessments.record_assessment(recorder, patient.pk, _NRS)


_NRS = {"instrument": "nrs_fatigue", "answers": {"nrs_fatigue": 4}, "context": "follow_up"}


def _clinician(username: str) -> Any:
    from ketaclinic.records.accounts.models import User
    from ketaclinic.records.context import Actor, Face

    return Actor(user=User.objects.get(username=username), face=Face.SYSTEM)


def _restricted(patient: Any, actor: Any) -> Any:
    """The patient's record restricted to no one (so the actor is outside its care team)."""
    from ketaclinic.records.accounts.models import RestrictedRecord

    RestrictedRecord.objects.create(patient=patient, reason="probe", restricted_by=actor.user)
    return patient


_REASON = {"reason": "probing the permission table"}
_CONSENT = {"protocol": "ketamine-iv-0.5mgkg-40min", "signed_name": "Probe", "agree": True}


def _consent_body() -> dict[str, Any]:
    from ketaclinic.protocols.consent import consent_document

    return {**_CONSENT, "document_version": consent_document(_CONSENT["protocol"]).version}


def _consent_for(patient: Any) -> Any:
    return consents.sign_consent(_clinician("physician-user"), patient.pk, _consent_body())


def _intake_for(patient: Any, status: str = "in_progress") -> Any:
    """An intake the patient opened from a (used) invitation, in ``status``."""
    from django.db import transaction
    from django.utils import timezone

    from ketaclinic.records.intake.models import Intake, Invitation

    physician = _clinician("physician-user")
    with transaction.atomic():
        asked = assessments.open_bundle_request(physician, patient.pk, "baseline_intake")
    now = timezone.now()
    invitation = Invitation.objects.create(
        patient=patient,
        digest=f"{patient.pk:064d}",
        created_by=physician.user,
        expires_at=now,
        used_at=now,
        assessment_request=asked,
    )
    submitted = now if status == "submitted" else None
    return Intake.objects.create(
        patient=patient, invitation=invitation, status=status, submitted_at=submitted
    )


def _screening_for(patient: Any) -> Any:
    return screening.run_screening(_clinician("physician-user"), patient.pk, {"pregnant": False})


def _plan_for(patient: Any, signed: bool = True, **choices: Any) -> Any:
    """A plan on the seed regimen, screened eligible and (unless told) signed by the physician."""
    physician = _clinician("physician-user")
    screening.decide(physician, _screening_for(patient).pk, {"decision": "eligible", "note": "ok"})
    plan = plans.draft_plan(physician, patient.pk, {"protocol": _SEED, **choices})
    return plans.sign_plan(physician, plan.pk, SIGNED) if signed else plan


def _today() -> Any:
    from django.utils import timezone

    return timezone.localdate()


def _order_for(patient: Any, prepared: bool = False) -> Any:
    nurse = _clinician("nurse-user")
    order = orders.create_order(nurse, _plan_for(patient).pk, {"session_on": _today()})
    if prepared:
        orders.prepare_order(nurse, order.pk, _DOSE)
    return order


def _changed_weight_plan_for(patient: Any) -> Any:
    plan = _plan_for(patient)
    patients.record_measurement(_clinician("nurse-user"), patient.pk, {"weight_kg": 75})
    return plan


_SEED = "ketamine-iv-0.5mgkg-40min"
_DOSE = {"dose_mg": 35, "volume_ml": 35, "rate_ml_per_h": 52.5}
_HOLD = {"baseline_pain_nrs": 8, "pain_after_nrs": 4}


def _probe_location() -> Any:
    """A location open every day 00:00–23:45 with one chair (made once)."""
    from datetime import time

    from ketaclinic.records.clinics.models import Chair, Location, OpeningHours

    location, made = Location.objects.get_or_create(
        slug="probe", defaults={"name": "Probe clinic", "time_zone": "UTC"}
    )
    if made:
        OpeningHours.objects.bulk_create(
            OpeningHours(location=location, weekday=d, opens_at=time(0), closes_at=time(23, 45))
            for d in range(7)
        )
        Chair.objects.create(location=location, name="Chair 1")
    return location


def _session_location() -> Any:
    """A location in the clinic's own zone, so that today's order is today's there too."""
    from django.conf import settings

    from ketaclinic.records.clinics.models import Location

    location, _ = Location.objects.get_or_create(
        slug="session-probe", defaults={"name": "Session probe", "time_zone": settings.TIME_ZONE}
    )
    return location


def _session_for(patient: Any, checked_in: bool = False, cancelled: bool = False) -> Any:
    """A session opened by the nurse for today's order; checked in, or cancelled, if told."""
    nurse = _clinician("nurse-user")
    session = session_lifecycle.open_session(
        nurse, {"order_id": _order_for(patient).pk, "location_id": _session_location().pk}
    )
    if checked_in:
        session_lifecycle.transition(nurse, session.pk, {"command": "check_in"})
    if cancelled:
        session_lifecycle.transition(nurse, session.pk, {"command": "cancel", "reason": "ill"})
    return session


def _session_note_for(patient: Any) -> tuple[int, str, int]:
    """(session, kind, entry) of a note the nurse wrote in a checked-in session."""
    session = _session_for(patient, checked_in=True)
    note = session_flowsheet.add_note(_clinician("nurse-user"), session.pk, {"text": "prbe"})
    return session.pk, "notes", note.entry.pk


def _days_ahead(days: int) -> Any:
    from datetime import timedelta

    from django.utils import timezone

    return (timezone.now() + timedelta(days=days)).replace(hour=10, minute=0, second=0)


def _visit_for(patient: Any, actor: Any = None, days: int = 3) -> Any:
    """A consultation for ``patient`` a few days ahead (booked by the front desk unless told)."""
    return bookings.book_appointment(
        actor or _clinician("front_desk-user"),
        {
            "patient_id": patient.pk,
            "location_id": _probe_location().pk,
            "appointment_type": "consultation",
            "start": _days_ahead(days),
        },
    )


def _past_visit_for(patient: Any) -> Any:
    """A consultation that began an hour ago (written directly: the services refuse the past)."""
    from datetime import timedelta

    from django.utils import timezone

    from ketaclinic.records.accounts.models import User
    from ketaclinic.records.bookings.models import Appointment

    start = timezone.now() - timedelta(hours=1)
    return Appointment.objects.create(
        patient=patient,
        location=_probe_location(),
        appointment_type="consultation",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        policy_version="test",
        booked_by=User.objects.get(username="front_desk-user"),
    )


def _booster_decision(actor: Any, patient: Any) -> Any:
    """Decide on a due booster: a signed plan, pain 8 at baseline, 4 then 7 since, and one
    infusion 40 days ago given through the outcomes' sessions seam (as a session would)."""
    from datetime import timedelta
    from unittest import mock

    from django.utils import timezone

    from ketaclinic.outcomes import InfusionEvent
    from ketaclinic.records.outcomes import infusions

    _plan_for(patient)
    now = timezone.now()
    for days, value, context in ((60, 8, "baseline"), (30, 4, "follow_up"), (2, 7, "follow_up")):
        answers = {"nrs_pain_average": value}
        assessments.record_assessment(
            _clinician("physician-user"),
            patient.pk,
            {
                "instrument": "nrs_pain_average",
                "answers": answers,
                "context": context,
                "completed_at": now - timedelta(days=days),
            },
        )
    given = [InfusionEvent(patient.pk, now - timedelta(days=40), 35, "iv_infusion", _SEED, 40)]
    with mock.patch.object(infusions, "infusion_events", return_value=given):
        return outcome_services.decide_booster(
            actor, patient.pk, {"decision": "accepted", "note": "probe"}
        )


_LEDGER_WITNESS = {"witness_username": "nurse-user", "witness_password": PASSWORD}


def _ledger_stock() -> Any:
    """Cabinet A at the probe location holding two 10 mL vials of 50 mg/mL (lot L-1)."""
    from ketaclinic.records.ledger.models import Lot, StorageLocation

    physician = _clinician("physician-user")
    location = _probe_location()
    storage = StorageLocation.objects.filter(location=location).first()
    if storage is None:
        storage = ledger_catalog.add_storage(physician, {"location": "probe", "name": "Cabinet A"})
        product = ledger_catalog.add_product(
            physician,
            {
                "name": "probe",
                "ndc": "99999-0050-10",
                "strength_mg_per_ml": 50,
                "vial_volume_ml": 10,
            },
        )
        ledger.receive(physician, _ledger_receipt(storage, product))
    return storage, Lot.objects.get(lot_number="L-1")


def _ledger_receipt(storage: Any, product: Any) -> dict[str, Any]:
    from datetime import timedelta

    return {
        "storage_id": storage.pk,
        "product_id": product.pk,
        "lot_number": "L-1",
        "expires_on": _today() + timedelta(days=365),
        "vials": 2,
        "received_on": _today(),
        "supplier_name": "Probe supply",
        "supplier_address": "1 Probe Way",
        "supplier_dea_number": "RS1234563",
        "invoice_number": "P-1",
    }


def _ledger_draw(patient: Any) -> Any:
    """Two mL drawn for ``patient`` by the nurse."""
    storage, lot = _ledger_stock()
    return ledger.draw(
        _clinician("nurse-user"),
        {"storage_id": storage.pk, "lot_id": lot.pk, "patient_id": patient.pk, "volume_ml": 2},
    )


def _ledger_count(actor: Any, full_vials: int = 2) -> Any:
    storage, lot = _ledger_stock()
    return ledger_counts.record_count(
        actor,
        {
            "storage_id": storage.pk,
            "kind": "end_of_day",
            "lines": [{"lot_id": lot.pk, "full_vials": full_vials}],
            **_LEDGER_WITNESS,
        },
    )


def _ledger_witness(actor: Any, patient: Any) -> Any:
    """The walker witnesses the nurse's waste. A role that may not witness is refused as bad
    input on the nurse's form; its denial is audited under the witness's own name."""
    witness = {"witness_username": actor.user.username, "witness_password": PASSWORD}
    try:
        return ledger.waste(
            _clinician("nurse-user"), _ledger_draw(patient).pk, {"volume_ml": 1, **witness}
        )
    except InvalidInput as error:
        raise Forbidden(str(error)) from None


def _ledger_discrepancy() -> Any:
    count = _ledger_count(_clinician("physician-user"), full_vials=1)
    return count.lines.get().discrepancy


def _priced_location() -> Any:
    """A location with who bills and a price list, set up by the manager of the walk."""
    from ketaclinic.records.accounts.models import User
    from ketaclinic.records.clinics.models import Location
    from ketaclinic.records.context import Actor, Face

    location, created = Location.objects.get_or_create(
        slug="priced", defaults={"name": "Priced", "time_zone": "America/New_York"}
    )
    if created:
        manager = User.objects.create_user(
            username="price-setter", password=PASSWORD, role="manager"
        )
        setter = Actor(user=manager, face=Face.SYSTEM)
        pricing.set_billing_provider(
            setter, location.slug, {"name": "P", "npi": "1234567893", "tax_id": "12-3456789"}
        )
        pricing.add_price_list(setter, _price_list_body(location.slug))
    return location


def _price_list_body(slug: str) -> dict[str, Any]:
    return {
        "location": slug,
        "effective_from": _today().isoformat(),
        "items": [
            {"kind": "consultation", "amount_cents": 25000},
            {"kind": "package", "sessions": 6, "amount_cents": 285000},
        ],
    }


def _enquiry() -> Any:
    """A consultation request from the public site, straight into the queue."""
    from ketaclinic.records.context import Face
    from ketaclinic.records.enquiries.models import ConsultationRequest

    enquiries.submit(
        {
            "given_name": "Probe",
            "family_name": "Requester",
            "date_of_birth": "1980-01-01",
            "email": "probe@example.org",
            "consent_to_contact": True,
        },
        address="192.0.2.1",
        face=Face.WEB,
    )
    return ConsultationRequest.objects.latest("pk")


PROBES: dict[Action, Probe] = {
    Action.PATIENT_SEARCH: lambda actor, p: patients.search_patients(actor, "Example"),
    Action.PATIENT_VIEW: lambda actor, p: patients.get_chart(actor, p.pk),
    Action.PATIENT_REGISTER: lambda actor, p: patients.register_patient(
        actor, {**PATIENT_DATA, "mrn": "NEW-1"}
    ),
    Action.PATIENT_EDIT_DEMOGRAPHICS: lambda actor, p: patients.update_patient(
        actor, p.pk, {"phone": "555-0199"}
    ),
    Action.PATIENT_EDIT_CLINICAL: lambda actor, p: patients.update_patient(
        actor, p.pk, {"allergies": ["latex"]}
    ),
    Action.PATIENT_RECORD_MEASUREMENT: lambda actor, p: patients.record_measurement(
        actor, p.pk, {"weight_kg": 71.5}
    ),
    Action.PK_SIMULATE: lambda actor, p: pharmacokinetics.simulate_for_patient(
        actor, p.pk, [{"route": "iv_infusion", "dose_mg_per_kg": 0.5, "duration_min": 40}]
    ),
    Action.ALERT_VIEW: lambda actor, p: alerts.open_alerts(actor, p.pk),
    Action.ALERT_ACKNOWLEDGE: lambda actor, p: alerts.acknowledge(actor, _alert_for(p).pk, "seen"),
    Action.AUDIT_VIEW: lambda actor, p: audit.search(actor, audit.AuditFilter()),
    Action.AUDIT_EXPORT: lambda actor, p: audit.search(
        actor, audit.AuditFilter(), action=Action.AUDIT_EXPORT
    ),
    Action.ACCOUNT_MANAGE: lambda actor, p: accounts.create_user(
        actor, username="new-nurse", password=PASSWORD, role="nurse"
    ),
    Action.ASSESSMENT_VIEW: lambda actor, p: assessment_history.list_assessments(actor, p.pk),
    Action.ASSESSMENT_RECORD: lambda actor, p: assessments.record_assessment(actor, p.pk, _NRS),
    Action.ASSESSMENT_AMEND: lambda actor, p: assessments.amend_assessment(
        actor, p.pk, _assessment_for(p).pk, {"answers": {"nrs_fatigue": 5}, "reason": "typo"}
    ),
    Action.ASSESSMENT_REQUEST: lambda actor, p: assessments.request_bundle(
        actor, p.pk, {"bundle": "baseline_intake"}
    ),
    Action.ASSESSMENT_REQUEST_VIEW: lambda actor, p: assessments.list_requests(actor, p.pk),
    Action.PROTOCOL_VIEW: lambda actor, p: catalog.list_protocols(actor),
    Action.SCREENING_VIEW: lambda actor, p: screening.screenings(actor, p.pk),
    Action.SCREENING_RUN: lambda actor, p: screening.run_screening(actor, p.pk, {}),
    Action.SCREENING_DECIDE: lambda actor, p: screening.decide(
        actor, _screening_for(p).pk, {"decision": "eligible", "note": "no findings"}
    ),
    Action.PLAN_VIEW: lambda actor, p: plans.list_plans(actor, p.pk),
    Action.PLAN_SUMMARY_VIEW: lambda actor, p: plans.plan_summary(actor, p.pk),
    Action.PLAN_DRAFT: lambda actor, p: plans.draft_plan(
        actor, _plan_for(p, signed=False).patient_id, {"protocol": _SEED}
    ),
    Action.PLAN_SIGN: lambda actor, p: plans.sign_plan(
        actor, _plan_for(p, signed=False).pk, SIGNED
    ),
    Action.PLAN_OVERRIDE: lambda actor, p: plans.sign_plan(
        actor,
        _plan_for(p, signed=False, dose_mg_per_kg=0.55).pk,
        {**SIGNED, "overrides": {"dose_mg_per_kg": "tolerated 0.5 well"}},
    ),
    Action.ORDER_CREATE: lambda actor, p: orders.create_order(
        actor, _plan_for(p).pk, {"session_on": _today()}
    ),
    Action.WEIGHT_CONFIRM: lambda actor, p: orders.confirm_weight(
        actor, _changed_weight_plan_for(p).pk, {"note": "weighed twice"}
    ),
    Action.ORDER_PREPARE: lambda actor, p: orders.prepare_order(actor, _order_for(p).pk, _DOSE),
    Action.ORDER_VERIFY: lambda actor, p: orders.verify_order(
        actor, _order_for(p, prepared=True).pk, {**SIGNED, **_DOSE}
    ),
    Action.TITRATION_RECORD: lambda actor, p: titration.record_titration(
        actor, _plan_for(p).pk, _HOLD
    ),
    Action.TITRATION_DECIDE: lambda actor, p: titration.decide_titration(
        actor,
        titration.record_titration(_clinician("nurse-user"), _plan_for(p).pk, _HOLD).pk,
        {**SIGNED, "accept": True},
    ),
    Action.BOOKING_VIEW: lambda actor, p: bookings.list_appointments(actor, p.pk),
    Action.BOOKING_BOOK: lambda actor, p: _visit_for(p, actor),
    Action.BOOKING_CANCEL: lambda actor, p: bookings.cancel(actor, _visit_for(p).pk),
    Action.BOOKING_RESCHEDULE: lambda actor, p: bookings.reschedule(
        actor, _visit_for(p).pk, {"start": _days_ahead(4)}
    ),
    Action.BOOKING_NO_SHOW: lambda actor, p: bookings.mark_no_show(actor, _past_visit_for(p).pk),
    Action.BOARD_VIEW: lambda actor, p: booking_board.day_board(
        actor, _probe_location().pk, _today()
    ),
    Action.CLINIC_CONFIGURE: lambda actor, p: clinics.add_closure(
        actor, _probe_location().pk, {"date": "2031-01-01", "reason": "probe"}
    ),
    Action.REMINDER_MANAGE: lambda actor, p: booking_reminders.list_reminders(actor),
    Action.ENQUIRY_VIEW: lambda actor, p: enquiries.list_requests(actor),
    Action.ENQUIRY_MANAGE: lambda actor, p: enquiries.set_status(
        actor, _enquiry().pk, {"status": "contacted"}
    ),
    # Staff make a patient's feed only when caring for them (tests/security): a location's here.
    Action.CALENDAR_FEED: lambda actor, p: booking_feeds.create_feed(
        actor,
        {"kind": "patient", "patient_id": p.pk}
        if actor.role == "patient"
        else {"kind": "location", "location_id": _probe_location().pk},
    ),
    Action.LEDGER_VIEW: lambda actor, p: ledger_stock.stock(actor, _probe_location().slug),
    Action.LEDGER_SETUP: lambda actor, p: ledger_catalog.add_product(
        actor,
        {"name": "new", "ndc": "99999-0100-05", "strength_mg_per_ml": 100, "vial_volume_ml": 5},
    ),
    Action.LEDGER_RECEIVE: lambda actor, p: ledger.receive(
        actor, {**_ledger_receipt(_ledger_stock()[0], _ledger_stock()[1].product), "vials": 1}
    ),
    Action.LEDGER_DRAW: lambda actor, p: ledger.draw(
        actor,
        {
            "storage_id": _ledger_stock()[0].pk,
            "lot_id": _ledger_stock()[1].pk,
            "patient_id": p.pk,
            "volume_ml": 1,
        },
    ),
    Action.LEDGER_ADMINISTER: lambda actor, p: ledger.record_administered(
        actor, _ledger_draw(p).pk, {"volume_ml": 1}
    ),
    Action.LEDGER_WASTE: lambda actor, p: ledger.waste(
        actor, _ledger_draw(p).pk, {"volume_ml": 1, **_LEDGER_WITNESS}
    ),
    Action.LEDGER_WITNESS: _ledger_witness,
    Action.LEDGER_CORRECT: lambda actor, p: ledger.adjust(
        actor,
        {
            "storage_id": _ledger_stock()[0].pk,
            "lot_id": _ledger_stock()[1].pk,
            "change_ml": -1,
            "reason": "broken vial",
            **_LEDGER_WITNESS,
        },
    ),
    Action.LEDGER_COUNT: lambda actor, p: _ledger_count(actor),
    Action.LEDGER_RESOLVE: lambda actor, p: ledger_counts.resolve_discrepancy(
        actor, _ledger_discrepancy().pk, {"note": "recounted: miscount"}
    ),
    Action.LEDGER_REPORT: lambda actor, p: ledger_reports.build_report(
        actor,
        {"location": _probe_location().slug, "kind": "waste", "from": _today(), "to": _today()},
    ),
    Action.LEDGER_LOSS_REPORT: lambda actor, p: ledger_losses.report_loss(
        actor,
        {
            "location": _probe_location().slug,
            "kind": "theft",
            "discovered_on": _today(),
            "circumstances": "cabinet found open",
            "police_notified": False,
            "lines": [{"lot_id": _ledger_stock()[1].pk, "containers": 1, "volume_ml": 10}],
        },
    ),
    Action.SESSION_VIEW: lambda actor, p: session_reads.get_flowsheet(actor, _session_for(p).pk),
    Action.SESSION_BOARD: lambda actor, p: session_reads.live_board(
        actor, _session_for(p).location_id
    ),
    Action.SESSION_CHECK_IN: lambda actor, p: session_lifecycle.open_session(
        actor, {"order_id": _order_for(p).pk, "location_id": _session_location().pk}
    ),
    Action.SESSION_RECORD: lambda actor, p: session_flowsheet.add_note(
        actor, _session_for(p, checked_in=True).pk, {"text": "probe"}
    ),
    Action.SESSION_SIGN: lambda actor, p: session_signing.sign_session(
        actor, _session_for(p, cancelled=True).pk, SIGNED
    ),
    Action.SESSION_OVERRIDE: lambda actor, p: session_overrides.record_override(
        actor,
        _session_for(p, checked_in=True).pk,
        {**SIGNED, "gate": "start.urgent_vitals", "reason": "ok"},
    ),
    Action.ALERT_CLOSE_ADDRESSED: lambda actor, p: alerts.acknowledge(
        actor, _addressed_alert_for(p).pk, "called back"
    ),
    Action.SESSION_AMEND: lambda actor, p: session_flowsheet.amend_entry(
        actor, *_session_note_for(p), {"values": {"text": "corrected"}, "reason": "typo"}
    ),
    Action.RESULT_VIEW: lambda actor, p: results.list_results(actor, p.pk),
    Action.RESULT_RECORD: lambda actor, p: results.record_result(
        actor, p.pk, {"test": "ecg", "code": "normal", "taken_on": _today()}
    ),
    Action.CONSENT_VIEW: lambda actor, p: consents.list_consents(actor, p.pk),
    Action.CONSENT_SIGN: lambda actor, p: consents.sign_consent(actor, p.pk, _consent_body()),
    Action.CONSENT_COUNTERSIGN: lambda actor, p: consents.countersign(
        actor, _consent_for(p).pk, {**SIGNED, "witness_name": "Probe Witness"}
    ),
    Action.EMERGENCY_ACCESS: lambda actor, p: emergency.open_access(
        actor, _restricted(p, actor).pk, _REASON
    ),
    Action.EMERGENCY_REVIEW: lambda actor, p: emergency.list_uses(actor),
    Action.RECORD_RESTRICT: lambda actor, p: emergency.restrict(actor, p.pk, _REASON),
    Action.INTAKE_INVITE: lambda actor, p: intake_invitations.invite(actor, p.pk, {}),
    Action.INTAKE_FILL: lambda actor, p: (_intake_for(p), intake_entries.my_intake(actor)),
    Action.INTAKE_REVIEW: lambda actor, p: intake_review.review(actor, _intake_for(p).pk),
    Action.INTAKE_CONFIRM: lambda actor, p: intake_review.confirm(
        actor, _intake_for(p, "submitted").pk, {}
    ),
    Action.OUTCOME_VIEW: lambda actor, p: outcome_services.patient_outcomes(actor, p.pk),
    Action.OUTCOME_RECORD_DISCONTINUATION: lambda actor, p: outcome_services.record_discontinuation(
        actor, p.pk, {"reason": "cost", "stopped_on": _today()}
    ),
    Action.BOOSTER_DECIDE: lambda actor, p: _booster_decision(actor, p),
    Action.COHORT_VIEW: lambda actor, p: outcome_cohort.cohort_report(actor, {}),
    Action.REPORT_PATIENT: lambda actor, p: outcome_services.patient_outcomes(
        actor, p.pk, action=Action.REPORT_PATIENT, view="report"
    ),
    Action.REPORT_CLINIC: lambda actor, p: outcome_reports.clinic_month(
        actor, {"month": f"{_today():%Y-%m}"}
    ),
    Action.EXPORT_FHIR: lambda actor, p: outcome_exchange.patient_record(actor, p.pk),
    Action.EXPORT_CSV: lambda actor, p: outcome_tables.clinic_tables(actor),
    Action.EXPORT_RESEARCH: lambda actor, p: outcome_research.research_tables(actor),
    Action.IMPORT_PATIENTS: lambda actor, p: outcome_exchange.import_patients(
        actor, [], outcome_exchange.ImportMode.DRY_RUN
    ),
    Action.PRICE_VIEW: lambda actor, p: pricing.price_lists(actor),
    Action.PRICE_SET: lambda actor, p: pricing.add_price_list(
        actor, _price_list_body(_priced_location().slug)
    ),
    Action.ESTIMATE_VIEW: lambda actor, p: pricing_estimates.patient_estimates(actor, p.pk),
    Action.ESTIMATE_ISSUE: lambda actor, p: pricing_estimates.issue_estimate(
        actor, p.pk, {"location": _priced_location().slug}
    ),
}


PROBES.update(BILLING_PROBES)

# Where a write is audited under the name of what it did rather than the permission used.
AUDITED_AS = {
    Action.PATIENT_EDIT_DEMOGRAPHICS: "patient.update",
    Action.PATIENT_EDIT_CLINICAL: "patient.update",
    Action.ACCOUNT_MANAGE: "account.create",
    Action.LEDGER_CORRECT: "ledger.adjust",
    Action.CALENDAR_FEED: "calendar.feed_create",
    Action.ALERT_CLOSE_ADDRESSED: "alert.acknowledge",
}


def test_every_action_has_a_probe() -> None:
    assert set(PROBES) == set(Action)


def test_every_role_has_a_row() -> None:
    assert set(PERMISSIONS) == set(Role)


@pytest.mark.parametrize(("role", "action"), list(itertools.product(Role, Action)))
def test_cell(role: Role, action: Action, make_user: Any, patient: Any, actor_for: Any) -> None:
    user = make_user(role, username="walker", patient=patient if role == Role.PATIENT else None)
    actor = actor_for(user)
    denials_before = AuditEvent.objects.filter(outcome="denied").count()
    if action in PERMISSIONS[role]:
        PROBES[action](actor, patient)
        audited_as = AUDITED_AS.get(action, action)
        assert AuditEvent.objects.filter(
            username="walker", action=audited_as, outcome="allowed"
        ).exists()
    else:
        with pytest.raises(Forbidden):
            PROBES[action](actor, patient)
        denial = AuditEvent.objects.filter(outcome="denied").order_by("-id").first()
        assert AuditEvent.objects.filter(outcome="denied").count() == denials_before + 1
        assert denial is not None
        assert (denial.username, denial.role, denial.action) == ("walker", role, action)


def test_patient_account_sees_only_its_own_record(
    patient_user: Any, register: Any, actor_for: Any
) -> None:
    other = register(mrn="MRN-OTHER", given_name="Blake")
    actor = actor_for(patient_user)
    assert patients.get_chart(actor, patient_user.patient_id).patient.pk == patient_user.patient_id
    with pytest.raises(Forbidden):
        patients.get_chart(actor, other.pk)
    denial = AuditEvent.objects.get(outcome="denied")
    assert denial.patient_id == other.pk


def test_inactive_user_is_denied_everything(
    users: dict[str, Any], patient: Any, actor_for: Any
) -> None:
    users["physician"].is_active = False
    with pytest.raises(Forbidden):
        patients.get_chart(actor_for(users["physician"]), patient.pk)


def test_unknown_role_is_allowed_nothing() -> None:
    assert not any(role_allows("janitor", action) for action in Action)
