"""Calendar feeds expire: feeds made before this get their expiry from when they were made."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations, models


def expire_existing(apps, schema_editor):
    feed_model = apps.get_model("bookings", "CalendarFeed")
    days = timedelta(days=settings.CALENDAR_FEED_DAYS)
    for feed in feed_model.objects.filter(expires_at__isnull=True).iterator():
        feed_model.objects.filter(pk=feed.pk).update(expires_at=feed.created_at + days)


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0004_consultation_room_physician"),
    ]

    operations = [
        migrations.AddField(
            model_name="calendarfeed",
            name="expires_at",
            field=models.DateTimeField(
                help_text="The URL stops working then (KETACLINIC_CALENDAR_FEED_DAYS).", null=True
            ),
        ),
        migrations.RunPython(expire_existing, migrations.RunPython.noop),
    ]
