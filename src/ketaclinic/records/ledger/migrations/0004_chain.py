"""The book of entries becomes a hash chain (``audit.chain``); the time an entry is recorded
is set before it is hashed."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_product_drug_schedule_iv"), ("audit", "0003_chain")]

    operations = [
        migrations.AddField(
            model_name="entry",
            name="entry_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="entry",
            name="previous_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="entry",
            name="recorded_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
    ]
