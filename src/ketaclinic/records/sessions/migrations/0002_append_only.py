"""On PostgreSQL the session tables refuse UPDATE and DELETE, and a signed session's
flowsheet refuses new rows except amendments (a correction points at what it corrects)."""

from typing import Any

from django.db import migrations

from ketaclinic.records.append_only import forbid_update_and_delete

TABLES = (
    "infusions_session",
    "infusions_transition",
    "infusions_vitalsigns",
    "infusions_sideeffect",
    "infusions_rescuemedication",
    "infusions_pumpevent",
    "infusions_note",
    "infusions_urinaryscreen",
    "infusions_confirmation",
    "infusions_sessionscore",
    "infusions_sessionalert",
    "infusions_signature",
    "infusions_ledgerposting",
)
# Tables whose new rows are refused once the session is signed (amendments excepted).
AFTER_SIGNING = {
    "infusions_transition": "TRUE",
    "infusions_confirmation": "TRUE",
    "infusions_vitalsigns": "NEW.amends_id IS NULL",
    "infusions_sideeffect": "NEW.amends_id IS NULL",
    "infusions_rescuemedication": "NEW.amends_id IS NULL",
    "infusions_pumpevent": "NEW.amends_id IS NULL",
    "infusions_note": "NEW.amends_id IS NULL",
    "infusions_urinaryscreen": "NEW.amends_id IS NULL",
}
FUNCTION = """
CREATE OR REPLACE FUNCTION {table}_unsigned() RETURNS trigger AS $$
BEGIN
    IF ({condition}) AND EXISTS (
        SELECT 1 FROM infusions_signature WHERE session_id = NEW.session_id
    ) THEN
        RAISE EXCEPTION 'session % is signed: record an amendment', NEW.session_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {table}_unsigned BEFORE INSERT ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_unsigned();
"""


def refuse_rows_after_signing(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, condition in AFTER_SIGNING.items():
        schema_editor.execute(FUNCTION.format(table=table, condition=condition), params=None)


def allow_rows_after_signing(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in AFTER_SIGNING:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_unsigned ON {table};")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_unsigned();")


class Migration(migrations.Migration):
    dependencies = [("infusions", "0001_initial")]
    operations = [
        forbid_update_and_delete(*TABLES),
        migrations.RunPython(refuse_rows_after_signing, allow_rows_after_signing),
    ]
