"""Signed consents, countersignatures and test results are never changed in place."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from ketaclinic.records.append_only import AppendOnlyError
from ketaclinic.records.consents.models import Consent, Countersignature
from ketaclinic.records.results.models import TestResult
from support import record_baseline_results, sign_consent

PROTOCOL = "ketamine-iv-0.5mgkg-40min"


@pytest.fixture
def signed(patient: Any, users: dict[str, Any], actor_for: Any) -> Any:
    physician = actor_for(users["physician"])
    record_baseline_results(physician, patient.pk)
    return sign_consent(physician, patient.pk, PROTOCOL)


def test_the_models_refuse_changes(signed: Any) -> None:
    with pytest.raises(AppendOnlyError):
        Consent.objects.filter(pk=signed.pk).update(signed_name="Someone Else")
    with pytest.raises(AppendOnlyError):
        Countersignature.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        TestResult.objects.update(value=1)


@pytest.mark.postgres
def test_postgres_refuses_changes(signed: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the triggers exist on PostgreSQL only")
    for sql in (
        "UPDATE consents_consent SET signed_name = 'Someone Else'",
        "DELETE FROM consents_countersignature",
        "UPDATE results_testresult SET value = 1",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert Consent.objects.get(pk=signed.pk).signed_name == "Ada Example"
    assert Consent.objects.get(pk=signed.pk).expires_on > timezone.localdate()
