"""On PostgreSQL the outcome tables themselves refuse UPDATE and DELETE: a booster decision and
a drop-out record are written once (a drop-out is corrected by an amendment, a new row), and a
research pseudonym never changes."""

from django.db import migrations

from ketaclinic.records.append_only import forbid_update_and_delete


class Migration(migrations.Migration):
    dependencies = [("outcomes", "0001_initial")]
    operations = [
        forbid_update_and_delete(
            "outcomes_boosterreview", "outcomes_discontinuation", "outcomes_researchidentity"
        )
    ]
