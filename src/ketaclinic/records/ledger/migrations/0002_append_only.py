"""On PostgreSQL the ledger's append-only tables refuse UPDATE and DELETE, whatever the client.

``ledger_balance`` and ``ledger_drawbalance`` stay writable: the posting services change them
under a row lock, and their check constraints keep them from going negative.
"""

from django.db import migrations

from ketaclinic.records.append_only import forbid_update_and_delete


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [
        forbid_update_and_delete(
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
        )
    ]
