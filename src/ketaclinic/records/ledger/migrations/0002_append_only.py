"""On PostgreSQL the ledger's append-only tables refuse UPDATE and DELETE, whatever the client.

``ledger_balance`` and ``ledger_drawbalance`` stay writable: the posting services change them
under a row lock, and their check constraints keep them from going negative.
"""

from django.db import migrations

TABLES = (
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

FUNCTION = """
CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger records are append-only (% on % refused)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def _forbid(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION ledger_append_only();",
            params=None,
        )


def _allow(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};", params=None
        )
    schema_editor.execute("DROP FUNCTION IF EXISTS ledger_append_only();", params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(_forbid, _allow)]
