import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("alerts", "0001_initial"),
        ("assessments", "0001_initial"),
        ("bookings", "0001_initial"),
        ("clinics", "0001_initial"),
        ("ledger", "0001_initial"),
        ("patients", "0001_initial"),
        ("plans", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Session",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("protocol_id", models.CharField(max_length=64)),
                ("protocol_version", models.CharField(max_length=32)),
                ("route", models.CharField(max_length=20)),
                ("vitals_interval_min", models.FloatField()),
                ("observation_min", models.FloatField()),
                ("rules_version", models.CharField(max_length=32)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "appointment",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="infusion_sessions",
                        to="bookings.appointment",
                    ),
                ),
                (
                    "chair",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="clinics.chair",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "location",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="clinics.location",
                    ),
                ),
                (
                    "order",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="sessions",
                        to="plans.order",
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="infusion_sessions",
                        to="patients.patient",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="RescueMedication",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "at",
                    models.DateTimeField(
                        help_text="When it was observed or done (may be entered late)."
                    ),
                ),
                ("recorded_at", models.DateTimeField(auto_now_add=True)),
                ("amendment_reason", models.TextField(blank=True)),
                ("drug", models.CharField(max_length=100)),
                ("dose_mg", models.FloatField()),
                (
                    "route",
                    models.CharField(
                        choices=[
                            ("iv", "Intravenous"),
                            ("im", "Intramuscular"),
                            ("sc", "Subcutaneous"),
                            ("oral", "By mouth"),
                            ("sublingual", "Sublingual"),
                            ("intranasal", "Intranasal"),
                            ("inhaled", "Inhaled"),
                        ],
                        max_length=12,
                    ),
                ),
                ("note", models.TextField(blank=True)),
                (
                    "amends",
                    models.OneToOneField(
                        blank=True,
                        help_text="The entry this one corrects; each is corrected at most once.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="amendment",
                        to="infusions.rescuemedication",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "session",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="infusions.session",
                    ),
                ),
            ],
            options={
                "ordering": ["at", "id"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="PumpEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "at",
                    models.DateTimeField(
                        help_text="When it was observed or done (may be entered late)."
                    ),
                ),
                ("recorded_at", models.DateTimeField(auto_now_add=True)),
                ("amendment_reason", models.TextField(blank=True)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("start", "Started"),
                            ("rate_change", "Rate changed"),
                            ("end", "Ended"),
                        ],
                        max_length=12,
                    ),
                ),
                ("rate_ml_per_h", models.FloatField(blank=True, null=True)),
                (
                    "vtbi_ml",
                    models.FloatField(
                        blank=True, null=True, verbose_name="volume to be infused (mL)"
                    ),
                ),
                ("volume_infused_ml", models.FloatField(blank=True, null=True)),
                ("reason", models.TextField(blank=True)),
                (
                    "amends",
                    models.OneToOneField(
                        blank=True,
                        help_text="The entry this one corrects; each is corrected at most once.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="amendment",
                        to="infusions.pumpevent",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "session",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="infusions.session",
                    ),
                ),
            ],
            options={
                "ordering": ["at", "id"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="Note",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "at",
                    models.DateTimeField(
                        help_text="When it was observed or done (may be entered late)."
                    ),
                ),
                ("recorded_at", models.DateTimeField(auto_now_add=True)),
                ("amendment_reason", models.TextField(blank=True)),
                ("text", models.TextField()),
                (
                    "amends",
                    models.OneToOneField(
                        blank=True,
                        help_text="The entry this one corrects; each is corrected at most once.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="amendment",
                        to="infusions.note",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "session",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="infusions.session",
                    ),
                ),
            ],
            options={
                "ordering": ["at", "id"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="LedgerPosting",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("posted_at", models.DateTimeField(auto_now_add=True)),
                (
                    "administered",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="ledger.entry",
                    ),
                ),
                (
                    "draw",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="ledger.entry",
                    ),
                ),
                (
                    "posted_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "wasted",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="ledger.entry",
                    ),
                ),
                (
                    "session",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="ledger",
                        to="infusions.session",
                    ),
                ),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="Confirmation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kind", models.CharField(max_length=32)),
                ("note", models.TextField(blank=True)),
                ("at", models.DateTimeField()),
                ("recorded_at", models.DateTimeField(auto_now_add=True)),
                (
                    "recorded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "session",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="confirmations",
                        to="infusions.session",
                    ),
                ),
            ],
            options={
                "ordering": ["at", "id"],
            },
        ),
        migrations.CreateModel(
            name="SessionAlert",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "alert",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="infusion_session",
                        to="alerts.alert",
                    ),
                ),
                (
                    "session",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="session_alerts",
                        to="infusions.session",
                    ),
                ),
            ],
            options={
                "ordering": ["id"],
            },
        ),
        migrations.CreateModel(
            name="SessionScore",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "phase",
                    models.CharField(
                        choices=[
                            ("pre_infusion", "pre infusion"),
                            ("during_infusion", "during infusion"),
                            ("post_infusion", "post infusion"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "assessment",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="infusion_session",
                        to="assessments.assessment",
                    ),
                ),
                (
                    "session",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="scores",
                        to="infusions.session",
                    ),
                ),
            ],
            options={
                "ordering": ["id"],
            },
        ),
        migrations.CreateModel(
            name="SideEffect",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "at",
                    models.DateTimeField(
                        help_text="When it was observed or done (may be entered late)."
                    ),
                ),
                ("recorded_at", models.DateTimeField(auto_now_add=True)),
                ("amendment_reason", models.TextField(blank=True)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("nausea", "nausea"),
                            ("vomiting", "vomiting"),
                            ("dizziness", "dizziness"),
                            ("dissociation", "dissociation"),
                            ("hallucinations", "hallucinations"),
                            ("confusion", "confusion"),
                            ("anxiety", "anxiety"),
                            ("headache", "headache"),
                            ("hypertension", "hypertension"),
                            ("other", "other"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "severity",
                    models.CharField(
                        choices=[("mild", "mild"), ("moderate", "moderate"), ("severe", "severe")],
                        max_length=10,
                    ),
                ),
                ("note", models.TextField(blank=True)),
                (
                    "amends",
                    models.OneToOneField(
                        blank=True,
                        help_text="The entry this one corrects; each is corrected at most once.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="amendment",
                        to="infusions.sideeffect",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "session",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="infusions.session",
                    ),
                ),
            ],
            options={
                "ordering": ["at", "id"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="Signature",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("signed_at", models.DateTimeField(auto_now_add=True)),
                (
                    "session",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="signature",
                        to="infusions.session",
                    ),
                ),
                (
                    "signed_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="Transition",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("seq", models.PositiveIntegerField()),
                (
                    "command",
                    models.CharField(
                        choices=[
                            ("check_in", "check in"),
                            ("complete_pre_checks", "complete pre checks"),
                            ("verify_dose", "verify dose"),
                            ("start_infusion", "start infusion"),
                            ("pause", "pause"),
                            ("resume", "resume"),
                            ("end_infusion", "end infusion"),
                            ("stop_early", "stop early"),
                            ("start_recovery", "start recovery"),
                            ("discharge", "discharge"),
                            ("cancel", "cancel"),
                        ],
                        max_length=24,
                    ),
                ),
                (
                    "from_state",
                    models.CharField(
                        choices=[
                            ("scheduled", "scheduled"),
                            ("checked_in", "checked in"),
                            ("pre_checks_done", "pre checks done"),
                            ("dose_verified", "dose verified"),
                            ("infusing", "infusing"),
                            ("paused", "paused"),
                            ("infusion_ended", "infusion ended"),
                            ("stopped_early", "stopped early"),
                            ("recovery", "recovery"),
                            ("discharged", "discharged"),
                            ("cancelled", "cancelled"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "to_state",
                    models.CharField(
                        choices=[
                            ("scheduled", "scheduled"),
                            ("checked_in", "checked in"),
                            ("pre_checks_done", "pre checks done"),
                            ("dose_verified", "dose verified"),
                            ("infusing", "infusing"),
                            ("paused", "paused"),
                            ("infusion_ended", "infusion ended"),
                            ("stopped_early", "stopped early"),
                            ("recovery", "recovery"),
                            ("discharged", "discharged"),
                            ("cancelled", "cancelled"),
                        ],
                        max_length=20,
                    ),
                ),
                ("reason", models.TextField(blank=True)),
                ("at", models.DateTimeField(help_text="When it happened (may be entered late).")),
                ("recorded_at", models.DateTimeField(auto_now_add=True)),
                (
                    "recorded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "session",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="transitions",
                        to="infusions.session",
                    ),
                ),
            ],
            options={
                "ordering": ["session", "seq"],
            },
        ),
        migrations.CreateModel(
            name="UrinaryScreen",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "at",
                    models.DateTimeField(
                        help_text="When it was observed or done (may be entered late)."
                    ),
                ),
                ("recorded_at", models.DateTimeField(auto_now_add=True)),
                ("amendment_reason", models.TextField(blank=True)),
                ("urgency", models.BooleanField()),
                ("frequency", models.BooleanField()),
                ("dysuria", models.BooleanField()),
                ("haematuria", models.BooleanField()),
                ("note", models.TextField(blank=True)),
                (
                    "amends",
                    models.OneToOneField(
                        blank=True,
                        help_text="The entry this one corrects; each is corrected at most once.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="amendment",
                        to="infusions.urinaryscreen",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "session",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="infusions.session",
                    ),
                ),
            ],
            options={
                "ordering": ["at", "id"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="VitalSigns",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "at",
                    models.DateTimeField(
                        help_text="When it was observed or done (may be entered late)."
                    ),
                ),
                ("recorded_at", models.DateTimeField(auto_now_add=True)),
                ("amendment_reason", models.TextField(blank=True)),
                (
                    "phase",
                    models.CharField(
                        choices=[
                            ("pre_infusion", "pre infusion"),
                            ("during_infusion", "during infusion"),
                            ("post_infusion", "post infusion"),
                        ],
                        max_length=20,
                    ),
                ),
                ("sbp_mm_hg", models.PositiveSmallIntegerField()),
                ("dbp_mm_hg", models.PositiveSmallIntegerField()),
                ("heart_rate_per_min", models.PositiveSmallIntegerField()),
                ("spo2_percent", models.PositiveSmallIntegerField()),
                ("resp_rate_per_min", models.PositiveSmallIntegerField()),
                (
                    "amends",
                    models.OneToOneField(
                        blank=True,
                        help_text="The entry this one corrects; each is corrected at most once.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="amendment",
                        to="infusions.vitalsigns",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "session",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="infusions.session",
                    ),
                ),
            ],
            options={
                "ordering": ["at", "id"],
                "abstract": False,
            },
        ),
        migrations.AddIndex(
            model_name="session",
            index=models.Index(fields=["patient", "-created_at"], name="session_patient_time"),
        ),
        migrations.AddIndex(
            model_name="session",
            index=models.Index(fields=["location", "-created_at"], name="session_location_time"),
        ),
        migrations.AddConstraint(
            model_name="session",
            constraint=models.CheckConstraint(
                condition=models.Q(("observation_min__gte", 0), ("vitals_interval_min__gt", 0)),
                name="session_intervals_positive",
            ),
        ),
        migrations.AddIndex(
            model_name="rescuemedication",
            index=models.Index(fields=["session", "at"], name="rescue_session_time"),
        ),
        migrations.AddConstraint(
            model_name="rescuemedication",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("amendment_reason", ""), ("amends__isnull", True)),
                    models.Q(
                        ("amends__isnull", False), models.Q(("amendment_reason", ""), _negated=True)
                    ),
                    _connector="OR",
                ),
                name="rescuemedication_amendment_has_reason",
            ),
        ),
        migrations.AddConstraint(
            model_name="rescuemedication",
            constraint=models.CheckConstraint(
                condition=models.Q(("dose_mg__gt", 0)), name="rescue_dose_positive"
            ),
        ),
        migrations.AddConstraint(
            model_name="rescuemedication",
            constraint=models.CheckConstraint(
                condition=models.Q(("drug", ""), _negated=True), name="rescue_drug_named"
            ),
        ),
        migrations.AddConstraint(
            model_name="rescuemedication",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("route__in", ["iv", "im", "sc", "oral", "sublingual", "intranasal", "inhaled"])
                ),
                name="rescue_route_known",
            ),
        ),
        migrations.AddIndex(
            model_name="pumpevent",
            index=models.Index(fields=["session", "at"], name="pump_session_time"),
        ),
        migrations.AddConstraint(
            model_name="pumpevent",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("amendment_reason", ""), ("amends__isnull", True)),
                    models.Q(
                        ("amends__isnull", False), models.Q(("amendment_reason", ""), _negated=True)
                    ),
                    _connector="OR",
                ),
                name="pumpevent_amendment_has_reason",
            ),
        ),
        migrations.AddConstraint(
            model_name="pumpevent",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("kind", "start"),
                        ("rate_ml_per_h__gt", 0),
                        ("volume_infused_ml__isnull", True),
                        ("vtbi_ml__gt", 0),
                    ),
                    models.Q(
                        ("kind", "rate_change"),
                        ("rate_ml_per_h__gt", 0),
                        ("volume_infused_ml__isnull", True),
                        ("vtbi_ml__isnull", True),
                        models.Q(("reason", ""), _negated=True),
                    ),
                    models.Q(
                        ("kind", "end"),
                        ("rate_ml_per_h__isnull", True),
                        ("volume_infused_ml__gte", 0),
                        ("vtbi_ml__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="pump_event_fields",
            ),
        ),
        migrations.AddConstraint(
            model_name="note",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("amendment_reason", ""), ("amends__isnull", True)),
                    models.Q(
                        ("amends__isnull", False), models.Q(("amendment_reason", ""), _negated=True)
                    ),
                    _connector="OR",
                ),
                name="note_amendment_has_reason",
            ),
        ),
        migrations.AddConstraint(
            model_name="note",
            constraint=models.CheckConstraint(
                condition=models.Q(("text", ""), _negated=True), name="note_has_text"
            ),
        ),
        migrations.AddConstraint(
            model_name="confirmation",
            constraint=models.UniqueConstraint(
                fields=("session", "kind"), name="confirmation_once_per_kind"
            ),
        ),
        migrations.AddIndex(
            model_name="sideeffect",
            index=models.Index(fields=["session", "at"], name="side_effect_session_time"),
        ),
        migrations.AddConstraint(
            model_name="sideeffect",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("amendment_reason", ""), ("amends__isnull", True)),
                    models.Q(
                        ("amends__isnull", False), models.Q(("amendment_reason", ""), _negated=True)
                    ),
                    _connector="OR",
                ),
                name="sideeffect_amendment_has_reason",
            ),
        ),
        migrations.AddConstraint(
            model_name="sideeffect",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "kind__in",
                        (
                            "nausea",
                            "vomiting",
                            "dizziness",
                            "dissociation",
                            "hallucinations",
                            "confusion",
                            "anxiety",
                            "headache",
                            "hypertension",
                            "other",
                        ),
                    ),
                    ("severity__in", ("mild", "moderate", "severe")),
                ),
                name="side_effect_known",
            ),
        ),
        migrations.AddConstraint(
            model_name="sideeffect",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("kind", "other"), _negated=True),
                    models.Q(("note", ""), _negated=True),
                    _connector="OR",
                ),
                name="side_effect_other_described",
            ),
        ),
        migrations.AddConstraint(
            model_name="transition",
            constraint=models.UniqueConstraint(
                fields=("session", "seq"), name="transition_once_per_step"
            ),
        ),
        migrations.AddConstraint(
            model_name="transition",
            constraint=models.CheckConstraint(
                condition=models.Q(("seq__gte", 1)), name="transition_seq_positive"
            ),
        ),
        migrations.AddConstraint(
            model_name="transition",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "from_state__in",
                        [
                            "scheduled",
                            "checked_in",
                            "pre_checks_done",
                            "dose_verified",
                            "infusing",
                            "paused",
                            "infusion_ended",
                            "stopped_early",
                            "recovery",
                            "discharged",
                            "cancelled",
                        ],
                    ),
                    (
                        "to_state__in",
                        [
                            "scheduled",
                            "checked_in",
                            "pre_checks_done",
                            "dose_verified",
                            "infusing",
                            "paused",
                            "infusion_ended",
                            "stopped_early",
                            "recovery",
                            "discharged",
                            "cancelled",
                        ],
                    ),
                ),
                name="transition_states_known",
            ),
        ),
        migrations.AddConstraint(
            model_name="transition",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("command__in", ["cancel", "pause", "stop_early"]), _negated=True),
                    models.Q(("reason", ""), _negated=True),
                    _connector="OR",
                ),
                name="transition_reason_when_needed",
            ),
        ),
        migrations.AddConstraint(
            model_name="urinaryscreen",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("amendment_reason", ""), ("amends__isnull", True)),
                    models.Q(
                        ("amends__isnull", False), models.Q(("amendment_reason", ""), _negated=True)
                    ),
                    _connector="OR",
                ),
                name="urinaryscreen_amendment_has_reason",
            ),
        ),
        migrations.AddIndex(
            model_name="vitalsigns",
            index=models.Index(fields=["session", "at"], name="vitals_session_time"),
        ),
        migrations.AddConstraint(
            model_name="vitalsigns",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("amendment_reason", ""), ("amends__isnull", True)),
                    models.Q(
                        ("amends__isnull", False), models.Q(("amendment_reason", ""), _negated=True)
                    ),
                    _connector="OR",
                ),
                name="vitalsigns_amendment_has_reason",
            ),
        ),
        migrations.AddConstraint(
            model_name="vitalsigns",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("dbp_mm_hg__lt", models.F("sbp_mm_hg")), ("spo2_percent__lte", 100)
                ),
                name="vitals_possible",
            ),
        ),
    ]
