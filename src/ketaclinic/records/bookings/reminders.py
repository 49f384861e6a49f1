"""Reminders and waitlist offers by e-mail, through the task queue, never lost.

Each e-mail is a ``Reminder`` row. Booking a visit creates its reminder (due a set time before
the visit) and enqueues the task: with a backend that can defer (the database backend), inside
the booking's transaction with ``run_after``; otherwise, once the booking commits, if it is
due. A failed send is kept with its error and tried again after the policy's delays (enqueued
with ``run_after`` again), then marked failed; failed and pending reminders are listed for the
front desk, who can retry. ``run_due`` sends whatever is due and pending (the reminders page
and ``ketaclinic schedule reminders run``): it catches anything a backend could not defer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_tasks import default_task_backend

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.context import Actor, Face
from ketaclinic.records.errors import Conflict, NotFound
from ketaclinic.records.toolkit import audits_refusals

from .choices import AppointmentType
from .models import (
    CHAIR_TYPES,
    Appointment,
    Reminder,
    ReminderKind,
    ReminderStatus,
    Status,
    WaitlistStatus,
)
from .policy import booking_policy

REMINDERS_SHOWN = 200


def schedule(actor: Actor, appointments: Sequence[Appointment]) -> list[Reminder]:
    """Create each future visit's reminder and enqueue it; call inside the booking's
    transaction."""
    now = timezone.now()
    policy = booking_policy()
    created = []
    for appointment in appointments:
        if appointment.starts_at <= now:
            continue
        due = max(now, appointment.starts_at - policy.reminder_lead)
        created.append(
            Reminder.objects.create(
                kind=ReminderKind.REMINDER,
                patient_id=appointment.patient_id,
                appointment=appointment,
                due_at=due,
                next_attempt_at=due,
                instructions_version=policy.version,
                created_by=actor.user,
            )
        )
    for reminder in created:
        enqueue(reminder)
    return created


def enqueue(reminder: Reminder) -> None:
    """Hand the reminder to the task queue for its ``next_attempt_at``."""
    from .tasks import send_reminder

    if default_task_backend.supports_defer:
        send_reminder.using(run_after=reminder.next_attempt_at).enqueue(reminder.pk)
    elif reminder.next_attempt_at <= timezone.now():
        pk = reminder.pk
        transaction.on_commit(lambda: send_reminder.enqueue(pk))


def cancel_for(appointment: Appointment) -> None:
    """The visit is off: its pending reminder is not sent."""
    Reminder.objects.filter(appointment=appointment, status=ReminderStatus.PENDING).update(
        status=ReminderStatus.CANCELLED
    )


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str


def _local(moment: datetime, appointment: Appointment) -> str:
    return f"{moment.astimezone(appointment.location.zone):%A %d %B %Y at %H:%M %Z}"


def compose(reminder: Reminder) -> Message:
    """The e-mail: first name, when and where, and the instructions; no diagnosis, no dose."""
    patient = reminder.patient
    if reminder.kind == ReminderKind.OFFER:
        assert reminder.offer is not None
        offer = reminder.offer
        entry = offer.entry
        zone = entry.location.zone
        when = f"{offer.starts_at.astimezone(zone):%A %d %B %Y at %H:%M %Z}"
        return Message(
            patient.email,
            f"An earlier appointment is free: {when}",
            f"Hello {patient.given_name},\n\nan appointment has become free at "
            f"{entry.location.name} on {when}. If you would like it, please call us"
            f"{' on ' + entry.location.phone if entry.location.phone else ''} or reply to "
            "this e-mail; the first to confirm gets it.\n",
        )
    appointment = reminder.appointment
    assert appointment is not None
    location = appointment.location
    what = "treatment visit" if appointment.appointment_type in CHAIR_TYPES else "appointment"
    if appointment.series_id and appointment.series is not None:
        what += f" (session {appointment.session} of {appointment.series.sessions})"
    lines = [
        f"Hello {patient.given_name},",
        "",
        f"this is a reminder of your {what} on {_local(appointment.starts_at, appointment)}",
        f"at {location.name}" + (f", {location.address}" if location.address else "") + ".",
        "",
    ]
    instructions = visit_instructions(appointment)
    if instructions:
        lines.append("Before your visit:")
        lines += [f"- {text}" for text in instructions]
        lines.append("")
    phone = f" or call {location.phone}" if location.phone else ""
    lines.append(f"To cancel or move it, use My appointments in the patient portal{phone}.")
    return Message(
        patient.email,
        f"Reminder: {what} on {_local(appointment.starts_at, appointment)}",
        "\n".join(lines) + "\n",
    )


def visit_instructions(appointment: Appointment) -> list[str]:
    """What the patient should know before this visit: the clinic's instructions for its type
    (``bookings.toml``), then the location's own (parking, entrance) for a visit in person."""
    texts = [i.text for i in booking_policy().instructions_for(appointment.appointment_type)]
    location_text = appointment.location.visit_instructions.strip()
    if location_text and appointment.appointment_type != AppointmentType.FOLLOW_UP_CALL:
        texts.append(location_text)
    return texts


def _still_wanted(reminder: Reminder) -> bool:
    if reminder.kind == ReminderKind.OFFER:
        return reminder.offer is not None and reminder.offer.entry.status == WaitlistStatus.OFFERED
    appointment = reminder.appointment
    return (
        appointment is not None
        and appointment.status == Status.BOOKED
        and appointment.starts_at > timezone.now()
    )


def deliver(reminder_id: int) -> str:
    """Send one reminder if it is pending and due; record the outcome; retry later on failure.

    Runs in the task worker (or in-process). The row is locked, so two workers never send it
    twice.
    """
    now = timezone.now()
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update(of=("self",))
            .select_related(
                "patient",
                "created_by",
                "appointment__location",
                "appointment__series",
                "offer__entry__location",
            )
            .filter(pk=reminder_id)
            .first()
        )
        if reminder is None:
            return "missing"
        if reminder.status != ReminderStatus.PENDING or reminder.next_attempt_at > now:
            return str(reminder.status)
        if not _still_wanted(reminder):
            reminder.status = ReminderStatus.CANCELLED
            reminder.save(update_fields=["status"])
            return str(reminder.status)
        _attempt(reminder, now)
        audit.record_on(
            Actor(user=reminder.created_by, face=Face.SYSTEM, source_address="task queue"),
            Audited.REMINDER_SEND,
            reminder,
            detail={
                "kind": reminder.kind,
                "attempt": reminder.attempts,
                "status": reminder.status,
                "error": reminder.last_error if reminder.status != ReminderStatus.SENT else "",
            },
        )
        return str(reminder.status)


def _attempt(reminder: Reminder, now: datetime) -> None:
    """One try at sending; the reminder row records what happened."""
    policy = booking_policy()
    reminder.attempts += 1
    reminder.last_attempt_at = now
    message = compose(reminder)
    if not message.to:
        reminder.status = ReminderStatus.FAILED
        reminder.last_error = "the patient has no e-mail address: call them"
    else:
        try:
            send_mail(
                message.subject,
                message.body,
                settings.DEFAULT_FROM_EMAIL,
                [message.to],
                fail_silently=False,
            )
        except Exception as error:  # any transport failure is kept and retried
            reminder.last_error = f"{type(error).__name__}: {error}"[:2000]
            if reminder.attempts < policy.max_attempts:
                reminder.next_attempt_at = now + policy.retry_delays[reminder.attempts - 1]
            else:
                reminder.status = ReminderStatus.FAILED
        else:
            reminder.status = ReminderStatus.SENT
            reminder.sent_at = now
            reminder.sent_to = message.to
    reminder.save()
    if reminder.status == ReminderStatus.PENDING:
        enqueue(reminder)


@dataclass(frozen=True)
class RunSummary:
    tried: int
    sent: int
    failed: int
    pending: int


def run_due(limit: int = 500) -> RunSummary:
    """Send every pending reminder that is due, in-process (the page's button, the CLI)."""
    due = list(
        Reminder.objects.filter(
            status=ReminderStatus.PENDING, next_attempt_at__lte=timezone.now()
        ).values_list("pk", flat=True)[:limit]
    )
    outcomes = [deliver(pk) for pk in due]
    return RunSummary(
        tried=len(due),
        sent=outcomes.count(ReminderStatus.SENT),
        failed=outcomes.count(ReminderStatus.FAILED),
        pending=outcomes.count(ReminderStatus.PENDING),
    )


def list_reminders(actor: Actor, status: str = ReminderStatus.FAILED) -> QuerySet[Reminder]:
    """Failed or pending reminders, for follow-up; audited."""
    authorize(actor, Action.REMINDER_MANAGE)
    if status not in (ReminderStatus.FAILED, ReminderStatus.PENDING):
        from ketaclinic.records.errors import InvalidInput

        raise InvalidInput.single("status", "must be failed or pending")
    rows = (
        Reminder.objects.filter(status=status)
        .select_related("patient", "appointment__location", "offer__entry__location")
        .order_by("next_attempt_at", "id")
    )
    audit.record(actor, Action.REMINDER_MANAGE, detail={"status": status})
    return rows


@audits_refusals(Audited.REMINDER_RETRY)
def retry(actor: Actor, reminder_id: int) -> Reminder:
    """Try a failed reminder again, now, with a fresh round of retries."""
    patient_id = (
        Reminder.objects.filter(pk=reminder_id).values_list("patient_id", flat=True).first()
    )
    authorize(actor, Action.REMINDER_MANAGE)
    if patient_id is None:
        raise NotFound(f"reminder {reminder_id} does not exist")
    with transaction.atomic():
        reminder = Reminder.objects.select_for_update().get(pk=reminder_id)
        if reminder.status != ReminderStatus.FAILED:
            raise Conflict(
                f"reminder {reminder_id} is {reminder.status}: only a failed one is retried"
            )
        reminder.status = ReminderStatus.PENDING
        reminder.attempts = 0
        reminder.next_attempt_at = timezone.now()
        reminder.save(update_fields=["status", "attempts", "next_attempt_at"])
        enqueue(reminder)
        audit.record(actor, Audited.REMINDER_RETRY, obj=reminder, patient_id=patient_id)
    return reminder
