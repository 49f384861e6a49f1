"""On PostgreSQL the assessment tables themselves refuse UPDATE and DELETE: a signed
assessment is corrected by an amendment (a new row), never in place."""

from django.db import migrations

TABLES = ("assessments_assessment", "assessments_assessmentrequest")
FORBID = """
CREATE OR REPLACE FUNCTION assessments_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'signed assessment records are append-only (% refused); amend instead', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
""" + "".join(
    f"""
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION assessments_append_only();
"""
    for table in TABLES
)
ALLOW = "".join(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};\n" for table in TABLES) + (
    "DROP FUNCTION IF EXISTS assessments_append_only();\n"
)


def _on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]
    operations = [migrations.RunPython(_on_postgres(FORBID), _on_postgres(ALLOW))]
