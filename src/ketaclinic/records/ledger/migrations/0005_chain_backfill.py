"""Link the entries already in the book, in id order; on PostgreSQL no append-only ledger
table can be truncated."""

from django.db import migrations

from ketaclinic.records.append_only import forbid_truncate
from ketaclinic.records.audit.chain import backfill


class Migration(migrations.Migration):
    dependencies = [("ledger", "0004_chain")]

    operations = [
        backfill(
            "ledger",
            "ledger.Entry",
            (
                "storage",
                "lot",
                "kind",
                "on_hand_mg",
                "on_hand_ml",
                "in_use_mg",
                "in_use_ml",
                "on_hand_after_mg",
                "on_hand_after_ml",
                "patient",
                "draw",
                "reverses",
                "reference",
                "reason",
                "occurred_at",
                "recorded_by",
                "witness",
                "recorded_at",
            ),
        ),
        forbid_truncate(
            "ledger_product",
            "ledger_storagelocation",
            "ledger_lot",
            "ledger_entry",
            "ledger_receipt",
            "ledger_count",
            "ledger_countline",
            "ledger_discrepancy",
            "ledger_discrepancyresolution",
            "ledger_lossreport",
            "ledger_lossreportline",
            "ledger_lossreportfiling",
        ),
    ]
