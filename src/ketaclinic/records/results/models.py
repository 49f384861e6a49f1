"""Test results: ECG and laboratory results, written once (a correction is a new result)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ketaclinic.records.append_only import AppendOnlyModel


class TestResult(AppendOnlyModel):
    """One result as reported: a number with its UCUM unit, or a code; the laboratory's
    reference range; whether it is abnormal; who entered it."""

    __test__ = False  # not a pytest test class

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="test_results"
    )
    test_id = models.CharField(max_length=32, help_text="An id from screening lab_tests.toml.")
    loinc = models.CharField(max_length=16)
    taken_on = models.DateField(help_text="When the sample was taken or the ECG recorded.")
    value = models.FloatField(null=True, blank=True)
    unit = models.CharField(max_length=16, blank=True, help_text="UCUM unit of value.")
    code = models.CharField(max_length=16, blank=True, help_text="A coded result.")
    reference_low = models.FloatField(null=True, blank=True)
    reference_high = models.FloatField(null=True, blank=True)
    abnormal = models.BooleanField()
    note = models.TextField(blank=True)
    catalog_version = models.CharField(max_length=16)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-taken_on", "-id"]
        indexes = [models.Index(fields=["patient", "test_id", "-taken_on"], name="result_latest")]
        constraints = [
            models.CheckConstraint(
                name="result_value_or_code",
                condition=(models.Q(value__isnull=False) & models.Q(code=""))
                | (models.Q(value__isnull=True) & ~models.Q(code="")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.test_id} {self.taken_on} for patient {self.patient_id}"
