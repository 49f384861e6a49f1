"""Online intake services: the invitation link is single-use, expires and is stored only as a
digest; who may invite, fill in, review and confirm; everything audited; nothing the patient
enters reaches the record (nor the screening) until a clinician confirms it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from intake_support import STRONG

from ketaclinic.records.accounts.models import User
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.errors import Conflict, Forbidden, InvalidInput
from ketaclinic.records.intake import entries, invitations, review
from ketaclinic.records.intake.models import Intake, Invitation
from ketaclinic.records.plans.screening import run_screening

ACCOUNT = {"username": "ada.example", "password": STRONG, "password_again": STRONG}


def test_only_a_digest_of_the_token_is_stored_and_the_invite_is_audited(
    invited: Any, patient: Any, users: dict[str, Any]
) -> None:
    stored = Invitation.objects.get()
    assert stored.digest == invitations.digest(invited.token) != invited.token
    assert invited.token not in str(list(Invitation.objects.values()))
    assert invited.token not in str(list(AuditEvent.objects.values_list("detail", flat=True)))
    entry = AuditEvent.objects.get(action="intake.invite", object_id=str(stored.pk))
    assert (entry.username, entry.patient_id) == ("front_desk-user", patient.pk)
    # The baseline questionnaires are asked with it.
    assert stored.assessment_request.bundle_id == "baseline_intake"


def test_the_link_works_once(invited: Any, patient: Any) -> None:
    user = invitations.redeem(invited.token, ACCOUNT)
    assert (user.role, user.patient_id) == ("patient", patient.pk)
    assert Intake.objects.get().status == "in_progress"
    assert AuditEvent.objects.filter(action="intake.account_create", patient_id=patient.pk).exists()
    users_before, events_before = User.objects.count(), AuditEvent.objects.count()
    with pytest.raises(invitations.LinkUnusable, match="already been used"):
        invitations.redeem(invited.token, {**ACCOUNT, "username": "someone.else"})
    assert (User.objects.count(), AuditEvent.objects.count()) == (users_before, events_before)


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        (lambda inv: inv.update(expires_at=timezone.now() - timedelta(seconds=1)), "expired"),
        (lambda inv: inv.update(revoked_at=timezone.now()), "replaced"),
    ],
)
def test_expired_and_replaced_links_write_nothing(invited: Any, spoil: Any, reason: str) -> None:
    spoil(Invitation.objects.filter(pk=invited.invitation.pk))
    events = AuditEvent.objects.count()
    with pytest.raises(invitations.LinkUnusable, match=reason):
        invitations.redeem(invited.token, ACCOUNT)
    assert not User.objects.filter(role="patient").exists()
    assert not Intake.objects.exists()
    assert AuditEvent.objects.count() == events


def test_an_unknown_link_and_a_weak_password_write_nothing(invited: Any) -> None:
    events = AuditEvent.objects.count()
    with pytest.raises(invitations.LinkUnusable, match="not one of ours"):
        invitations.redeem("not-a-token", ACCOUNT)
    with pytest.raises(InvalidInput) as refused:
        invitations.redeem(
            invited.token, {"username": "ada", "password": "password1", "password_again": "x"}
        )
    assert {e.field for e in refused.value.errors} == {"password_again"}
    with pytest.raises(InvalidInput) as weak:
        invitations.redeem(
            invited.token,
            {"username": "ada", "password": "password1", "password_again": "password1"},
        )
    assert [e.field for e in weak.value.errors] == ["password"]
    assert not User.objects.filter(role="patient").exists()
    assert Invitation.objects.get().used_at is None
    assert AuditEvent.objects.count() == events


def test_a_new_invitation_replaces_the_unused_one(
    invited: Any, staff: dict[str, Any], patient: Any
) -> None:
    newer = invitations.invite(staff["manager"], patient.pk, {"expires_in_hours": 2})
    with pytest.raises(invitations.LinkUnusable, match="replaced"):
        invitations.usable(invited.token)
    assert invitations.usable(newer.token).pk == newer.invitation.pk
    assert newer.invitation.expires_at < timezone.now() + timedelta(hours=2, minutes=1)


def test_who_may_invite_review_and_confirm(
    staff: dict[str, Any], patient: Any, filled: Any, redeemed: Any, actor_for: Any
) -> None:
    for role in ("nurse",):
        with pytest.raises(Forbidden):
            invitations.invite(staff[role], patient.pk, {})
    with pytest.raises(Forbidden):
        invitations.invite(actor_for(redeemed), patient.pk, {})
    for role in ("front_desk", "manager"):
        with pytest.raises(Forbidden):
            review.review(staff[role], filled.pk)
        with pytest.raises(Forbidden):
            review.confirm(staff[role], filled.pk, {})
    with pytest.raises(Forbidden):
        review.confirm(actor_for(redeemed), filled.pk, {})
    assert AuditEvent.objects.filter(action="intake.confirm", outcome="denied").count() == 3
    # A patient with an account needs no invitation.
    with pytest.raises(Conflict, match="already has a portal account"):
        invitations.invite(staff["physician"], patient.pk, {})
    with pytest.raises(InvalidInput) as hours:
        invitations.invite(staff["physician"], patient.pk, {"expires_in_hours": 0})
    assert hours.value.errors[0].field == "expires_in_hours"


def test_sections_are_checked_by_the_records_own_rules(redeemed: Any, actor_for: Any) -> None:
    me = actor_for(redeemed)
    with pytest.raises(InvalidInput) as bad:
        entries.save_section(me, "contacts", {"sex": "female", "email": "not an address"})
    assert bad.value.errors[0].field == "email"
    with pytest.raises(InvalidInput) as smuggled:
        entries.save_section(me, "contacts", {"sex": "female", "mrn": "X-1"})
    assert smuggled.value.errors[0].field == "mrn"
    with pytest.raises(InvalidInput) as unknown:
        entries.save_section(me, "history", {"history_flags": ["made_up"]})
    assert unknown.value.errors[0].field == "history_flags"
    with pytest.raises(InvalidInput) as early:
        entries.submit(me)
    assert early.value.errors[0].field == "contacts"
    assert Intake.objects.get().entries == {}


def test_unconfirmed_patient_entries_stop_the_screening_until_confirmed(
    filled: Any, staff: dict[str, Any], patient: Any, redeemed: Any, actor_for: Any
) -> None:
    patient.refresh_from_db()
    assert (patient.medications, patient.allergies, patient.history_flags) == ([], [], [])
    with pytest.raises(Conflict, match="awaits a clinician's review"):
        run_screening(staff["physician"], patient.pk, {})
    with pytest.raises(Conflict, match="has already been sent"):
        entries.submit(actor_for(redeemed))
    assert [i.pk for i in review.awaiting_review(staff["nurse"])] == [filled.pk]

    shown = review.review(staff["nurse"], filled.pk)
    assert set(shown.changes) == {"phone", "medications", "allergies", "history_flags"}
    review.confirm(staff["nurse"], filled.pk, {"note": "checked with the patient by phone"})
    patient.refresh_from_db()
    assert patient.phone == "555-0100"
    assert patient.medications[0]["name"] == "Duloxetine 60 mg"
    assert patient.medications[0]["entered_by"] == "patient"
    assert patient.allergies[0]["text"] or patient.allergies[0]["allergen"]
    assert patient.history_flags == ["hypertension"]
    confirmed = AuditEvent.objects.get(action="intake.confirm", outcome="allowed")
    assert confirmed.username == "nurse-user"
    assert AuditEvent.objects.filter(action="patient.update", username="nurse-user").exists()
    with pytest.raises(Conflict):
        review.confirm(staff["physician"], filled.pk, {})
    assert review.awaiting_review(staff["nurse"]) == []
    run_screening(staff["physician"], patient.pk, {})  # now it runs on the confirmed record
