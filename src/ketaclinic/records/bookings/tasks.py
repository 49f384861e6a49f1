"""Background tasks (Django's task framework): sending reminders and waitlist offers.

With the database backend ``ketaclinic worker`` runs them; in the demo and the tests they run
in-process (settings ``TASKS``).
"""

from __future__ import annotations

from django_tasks import task


@task()
def send_reminder(reminder_id: int) -> str:
    """Send one reminder or offer e-mail; the outcome is kept on the reminder."""
    from .reminders import deliver

    return deliver(reminder_id)
