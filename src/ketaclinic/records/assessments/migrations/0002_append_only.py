"""On PostgreSQL the assessment tables themselves refuse UPDATE and DELETE: a signed
assessment is corrected by an amendment (a new row), never in place."""

from django.db import migrations

from ketaclinic.records.append_only import forbid_update_and_delete


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]
    operations = [
        forbid_update_and_delete("assessments_assessment", "assessments_assessmentrequest")
    ]
