"""On PostgreSQL the billing tables themselves refuse UPDATE and DELETE: a mistake is corrected
by an adjustment or a refund (a new row), never in place."""

from django.db import migrations

from ketaclinic.records.append_only import forbid_update_and_delete


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [
        forbid_update_and_delete(
            "billing_entry",
            "billing_package",
            "billing_packageuse",
            "billing_completedvisit",
            "billing_cashcount",
            "billing_billingwarning",
        )
    ]
