"""Link the entries already written, in id order; on PostgreSQL the checkpoints are
append-only too, and neither table can be truncated."""

from django.db import migrations

from ketaclinic.records.append_only import forbid_truncate, forbid_update_and_delete
from ketaclinic.records.audit.chain import backfill


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_chain")]

    operations = [
        backfill(
            "audit",
            "audit.AuditEvent",
            (
                "occurred_at",
                "actor",
                "username",
                "role",
                "action",
                "outcome",
                "object_type",
                "object_id",
                "patient_id",
                "face",
                "source_address",
                "detail",
            ),
        ),
        forbid_update_and_delete("audit_checkpoint"),
        forbid_truncate("audit_auditevent", "audit_checkpoint"),
    ]
