"""On PostgreSQL the database itself refuses a double-booked chair and a patient booked twice at
once: exclusion constraints over booked appointments' time ranges (btree_gist lets an equality
on the chair or patient share the GiST index with the range overlap). SQLite has no such
constraint; there writers are serialised (BEGIN IMMEDIATE) and the services check under it."""

from django.db import migrations

ADD = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE bookings_appointment ADD CONSTRAINT appointment_chair_not_double_booked
    EXCLUDE USING gist (chair_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
    WHERE (status = 'booked' AND chair_id IS NOT NULL);
ALTER TABLE bookings_appointment ADD CONSTRAINT appointment_patient_not_double_booked
    EXCLUDE USING gist (patient_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
    WHERE (status = 'booked');
"""
DROP = """
ALTER TABLE bookings_appointment DROP CONSTRAINT IF EXISTS appointment_chair_not_double_booked;
ALTER TABLE bookings_appointment DROP CONSTRAINT IF EXISTS appointment_patient_not_double_booked;
"""


def _on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]
    operations = [migrations.RunPython(_on_postgres(ADD), _on_postgres(DROP))]
