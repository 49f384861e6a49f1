"""On PostgreSQL the screening, plan and order tables themselves refuse UPDATE and DELETE: a
signed plan is changed by a signed amendment, an order is verified by a new double-check row."""

from django.db import migrations

from ketaclinic.records.append_only import forbid_update_and_delete


class Migration(migrations.Migration):
    dependencies = [("plans", "0001_initial")]
    operations = [
        forbid_update_and_delete(
            "plans_screening",
            "plans_screeningdecision",
            "plans_treatmentplan",
            "plans_plansignature",
            "plans_limitoverride",
            "plans_weightconfirmation",
            "plans_order",
            "plans_preparation",
            "plans_doublecheck",
            "plans_titrationproposal",
            "plans_titrationdecision",
        )
    ]
