"""Each visit gets a random calendar identity (the iCalendar UID is it and the installation's
name, never the database id); a visit moved before this keeps one identity across its moves."""

import uuid

from django.db import migrations, models
from django.db.models import Q


def assign_identities(apps, schema_editor):
    appointment_model = apps.get_model("bookings", "Appointment")
    rows = list(appointment_model.objects.order_by("pk").values_list("pk", "replaces_id", "status"))
    status = {pk: state for pk, _, state in rows}
    given: dict[int, uuid.UUID] = {}
    for pk, old, _ in rows:
        # A move (the old row rescheduled) keeps the identity; a cancelled session booked
        # again is a new visit.
        moved = old is not None and status[old] == "rescheduled"
        given[pk] = given[old] if moved else uuid.uuid4()
        appointment_model.objects.filter(pk=pk).update(calendar_uid=given[pk])


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0005_calendar_feed_expiry"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="calendar_uid",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(assign_identities, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="appointment",
            name="calendar_uid",
            field=models.UUIDField(
                default=uuid.uuid4,
                editable=False,
                help_text="The visit's calendar identity: random, kept when the visit is moved.",
            ),
        ),
        migrations.AddConstraint(
            model_name="appointment",
            constraint=models.UniqueConstraint(
                condition=Q(("status", "rescheduled"), _negated=True),
                fields=("calendar_uid",),
                name="appointment_calendar_uid_once",
            ),
        ),
    ]
