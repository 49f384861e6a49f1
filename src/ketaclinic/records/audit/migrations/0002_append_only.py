"""On PostgreSQL the audit table itself refuses UPDATE and DELETE, whatever the client."""

from django.db import migrations

from ketaclinic.records.append_only import forbid_update_and_delete


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [forbid_update_and_delete("audit_auditevent")]
