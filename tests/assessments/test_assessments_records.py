"""Assessment records: scored and stored exactly, signed, append-only, amended, audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from assessments_support import ACR_MET, acr_met, every_item, phq9
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketaclinic.instruments import score
from ketaclinic.records.append_only import AppendOnlyError
from ketaclinic.records.assessments import history, services
from ketaclinic.records.assessments.models import Assessment
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.errors import Conflict, Forbidden, InvalidInput, NotFound


def _fields(error: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [e.field for e in error.value.errors]


def test_the_score_is_stored_structured_and_equals_the_pure_score(record: Any) -> None:
    answers = every_item("fiqr", 5, brush_hair=None)
    stored = record("fiqr", answers)
    expected = score("fiqr", answers)
    assert stored.instrument_id == "fiqr"
    assert stored.instrument_version == expected.version == "1.0.0"
    assert stored.total == expected.total
    assert stored.subscores == {"function": 15, "overall_impact": 10, "symptoms": 25}
    assert (stored.band_code, stored.band_label) == ("moderate", "Moderate")
    assert stored.valid is True
    assert Assessment.objects.get().answers == {**answers, "brush_hair": None}


def test_acr_criteria_and_reasons_are_stored(record: Any) -> None:
    stored = Assessment.objects.get(pk=record("acr2016", acr_met()).pk)
    assert stored.total == 16
    assert stored.subscores == {"wpi": 9, "sss": 7, "regions": 5}
    assert stored.criteria["met"] is True
    assert stored.criteria["reasons"][0] == "WPI 9 with SSS 7 meets WPI ≥7 with SSS ≥5"
    assert stored.band_label == "Moderate"


def test_who_entered_it_follows_the_role(
    record: Any, users: dict[str, Any], patient_user: Any
) -> None:
    by_nurse = record("nrs_fatigue", {"nrs_fatigue": 3})
    by_patient = record("nrs_fatigue", {"nrs_fatigue": 4}, by=patient_user)
    assert (by_nurse.entered_by, by_nurse.recorded_by) == ("staff", users["nurse"])
    assert (by_patient.entered_by, by_patient.recorded_by) == ("patient", patient_user)


def test_completed_at_defaults_to_now_and_refuses_naive_or_future_times(record: Any) -> None:
    before = timezone.now()
    assert record("nrs_mood", {"nrs_mood": 2}).completed_at >= before
    earlier = timezone.now() - timedelta(days=3)
    assert record("nrs_mood", {"nrs_mood": 2}, completed_at=earlier).completed_at == earlier
    for bad, message in (
        ((timezone.now() - timedelta(days=1)).replace(tzinfo=None), "needs a time zone"),
        (timezone.now() + timedelta(hours=1), "cannot be in the future"),
    ):
        with pytest.raises(InvalidInput) as error:
            record("nrs_mood", {"nrs_mood": 2}, completed_at=bad)
        assert error.value.errors[0].field == "completed_at"
        assert message in error.value.errors[0].message
    assert Assessment.objects.count() == 2


@pytest.mark.parametrize(
    ("instrument", "answers", "fields"),
    [
        ("phq9", phq9() | {"phq9_3": 4}, ["answers.phq9_3"]),
        ("phq9", phq9() | {"phq9_3": None}, ["answers.phq9_3"]),
        ("phq9", phq9() | {"phq9_10": 1}, ["answers.phq9_10"]),
        ("phq9", phq9() | {"phq9_1": "2", "phq9_2": True}, ["answers.phq9_1", "answers.phq9_2"]),
        ("acr2016", acr_met() | {"wpi_neck": 2}, ["answers.wpi_neck"]),
        ("nrs_pain_worst", {"nrs_pain_worst": 11}, ["answers.nrs_pain_worst"]),
        ("fiqr", every_item("fiqr", 1) | {"pain": [3, 4, 5][0:1]}, ["answers.pain"]),
        ("bdi", {"x": 1}, ["instrument"]),
    ],
)
def test_bad_answers_name_each_item_and_store_nothing(
    record: Any, instrument: str, answers: dict[str, Any], fields: list[str]
) -> None:
    with pytest.raises(InvalidInput) as error:
        record(instrument, answers)
    assert _fields(error) == fields
    assert not Assessment.objects.exists()
    # The refused attempt is audited as failed (issue 12), never as a recorded assessment.
    tried = AuditEvent.objects.filter(action="assessment.record")
    assert list(tried.values_list("outcome", flat=True)) == ["failed"]


def test_every_unanswered_required_item_is_named(record: Any) -> None:
    with pytest.raises(InvalidInput) as error:
        record("gad7", {"gad7_1": 1, "gad7_2": 0})
    assert _fields(error) == [f"answers.gad7_{n}" for n in range(3, 8)]


def test_context_must_be_known(record: Any) -> None:
    with pytest.raises(InvalidInput) as error:
        record("nrs_mood", {"nrs_mood": 1}, context="on_holiday")
    assert _fields(error) == ["context"]


def test_staff_may_store_an_invalid_fiqr_but_a_patient_is_asked_to_finish(
    record: Any, patient_user: Any
) -> None:
    answers = every_item("fiqr", 4, brush_hair=None, walk_20_min=None)
    stored = record("fiqr", answers)
    assert (stored.valid, stored.total, stored.band_code) == (False, None, "")
    assert "Function: 2 of 9 items unanswered" in stored.invalid_reasons[0]
    with pytest.raises(InvalidInput) as error:
        record("fiqr", answers, by=patient_user)
    assert _fields(error) == ["answers.brush_hair", "answers.walk_20_min"]
    assert Assessment.objects.count() == 1


def test_a_patient_submitting_for_another_patient_is_refused_and_audited(
    record: Any, patient_user: Any, other_patient: Any
) -> None:
    with pytest.raises(Forbidden):
        record("phq9", phq9(), by=patient_user, patient_id=other_patient.pk)
    assert not Assessment.objects.exists()
    denial = AuditEvent.objects.get(outcome="denied")
    assert (denial.username, denial.action, denial.patient_id) == (
        "patient-user",
        "assessment.record",
        other_patient.pk,
    )


def test_recording_for_a_missing_patient_is_not_found(record: Any) -> None:
    with pytest.raises(NotFound):
        record("nrs_mood", {"nrs_mood": 1}, patient_id=999_999)


def test_the_write_is_audited_with_what_was_recorded(record: Any, patient: Any) -> None:
    stored = record("phq9", phq9(), context="baseline")
    entry = AuditEvent.objects.get(action="assessment.record")
    assert (entry.object_id, entry.patient_id, entry.face) == (str(stored.pk), patient.pk, "api")
    assert entry.detail == {
        "instrument": "phq9",
        "version": "1.0.0",
        "context": "baseline",
        "request": None,
    }


def test_signed_records_refuse_changes_and_deletion(record: Any) -> None:
    stored = record("nrs_mood", {"nrs_mood": 5})
    stored.total = 1
    with pytest.raises(AppendOnlyError):
        stored.save()
    with pytest.raises(AppendOnlyError):
        stored.delete()
    with pytest.raises(AppendOnlyError):
        Assessment.objects.filter(pk=stored.pk).update(total=1)
    with pytest.raises(AppendOnlyError):
        Assessment.objects.all().delete()
    assert Assessment.objects.get().total == 5


@pytest.mark.postgres
def test_postgres_refuses_update_and_delete_in_sql(record: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    stored = record("nrs_mood", {"nrs_mood": 5})
    for statement in (
        "UPDATE assessments_assessment SET total = 0 WHERE id = %s",
        "DELETE FROM assessments_assessment WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [stored.pk])
    assert Assessment.objects.get().total == 5


def test_the_database_refuses_an_amendment_without_a_reason_or_a_score_out_of_step(
    record: Any,
) -> None:
    original = record("nrs_mood", {"nrs_mood": 5})
    fields = {
        f.name: getattr(original, f.name)
        for f in Assessment._meta.concrete_fields
        if f.name not in {"id", "amendment_reason"}
    }
    for broken in ({"amends": original}, {"valid": False}, {"band_code": "x", "valid": False}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Assessment.objects.bulk_create([Assessment(**(fields | broken))])
    assert Assessment.objects.count() == 1


class TestAmendments:
    def test_an_amendment_is_a_new_row_and_the_original_stays(
        self, record: Any, users: dict[str, Any], actor_for: Any, patient: Any
    ) -> None:
        original = record("phq9", phq9(others=2), context="baseline")
        amendment = services.amend_assessment(
            actor_for(users["physician"]),
            patient.pk,
            original.pk,
            {"answers": phq9(others=1), "reason": "transcribed from the wrong form"},
        )
        assert amendment.amends == original
        assert (amendment.total, original.total) == (8, 16)
        assert amendment.context == "baseline"
        assert amendment.completed_at == original.completed_at
        assert amendment.recorded_by == users["physician"]
        assert Assessment.objects.get(pk=original.pk).total == 16
        current = history.list_assessments(actor_for(users["nurse"]), patient.pk)
        assert [a.pk for a in current.items] == [amendment.pk]
        everything = history.list_assessments(
            actor_for(users["nurse"]), patient.pk, include_superseded=True
        )
        assert {a.pk for a in everything.items} == {original.pk, amendment.pk}
        entry = AuditEvent.objects.get(action="assessment.amend")
        assert entry.detail["amends"] == original.pk
        assert entry.detail["reason"] == "transcribed from the wrong form"

    def test_only_the_current_version_can_be_amended(
        self, record: Any, users: dict[str, Any], actor_for: Any, patient: Any
    ) -> None:
        nurse = actor_for(users["nurse"])
        original = record("nrs_mood", {"nrs_mood": 5})
        change = {"answers": {"nrs_mood": 6}, "reason": "patient corrected it"}
        first = services.amend_assessment(nurse, patient.pk, original.pk, change)
        with pytest.raises(Conflict):
            services.amend_assessment(nurse, patient.pk, original.pk, change)
        second = services.amend_assessment(nurse, patient.pk, first.pk, change)
        assert second.amends == first
        assert Assessment.objects.count() == 3
        assert list(Assessment.objects.current()) == [second]

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"answers": {"nrs_mood": 6}}, "reason"),
            ({"answers": {"nrs_mood": 6}, "reason": ""}, "reason"),
            ({"answers": {"nrs_mood": 12}, "reason": "x"}, "answers.nrs_mood"),
            ({"answers": {"mood": 1}, "reason": "x"}, "answers.mood"),
            ({"answers": {"nrs_mood": 1}, "reason": "x", "instrument": "phq9"}, "instrument"),
        ],
    )
    def test_a_bad_amendment_names_the_field_and_writes_nothing(
        self,
        record: Any,
        users: dict[str, Any],
        actor_for: Any,
        patient: Any,
        change: dict[str, Any],
        field: str,
    ) -> None:
        original = record("nrs_mood", {"nrs_mood": 5})
        with pytest.raises(InvalidInput) as error:
            services.amend_assessment(actor_for(users["nurse"]), patient.pk, original.pk, change)
        assert field in _fields(error)
        assert Assessment.objects.count() == 1

    def test_amending_through_another_patient_is_not_found(
        self, record: Any, users: dict[str, Any], actor_for: Any, other_patient: Any
    ) -> None:
        original = record("nrs_mood", {"nrs_mood": 5})
        with pytest.raises(NotFound):
            services.amend_assessment(
                actor_for(users["nurse"]),
                other_patient.pk,
                original.pk,
                {"answers": {"nrs_mood": 6}, "reason": "x"},
            )

    def test_patients_and_front_desk_cannot_amend(
        self, record: Any, users: dict[str, Any], patient_user: Any, actor_for: Any, patient: Any
    ) -> None:
        original = record("nrs_mood", {"nrs_mood": 5}, by=patient_user)
        for user in (patient_user, users["front_desk"]):
            with pytest.raises(Forbidden):
                services.amend_assessment(
                    actor_for(user), patient.pk, original.pk, {"answers": {}, "reason": "x"}
                )
        assert AuditEvent.objects.filter(outcome="denied", action="assessment.amend").count() == 2


class TestReads:
    def test_history_filters_pages_and_audits_what_was_shown(
        self, record: Any, users: dict[str, Any], actor_for: Any, patient: Any
    ) -> None:
        start = timezone.now() - timedelta(days=30)
        for day in range(7):
            record("nrs_mood", {"nrs_mood": day}, completed_at=start + timedelta(days=day))
        record("nrs_fatigue", {"nrs_fatigue": 1})
        nurse = actor_for(users["nurse"])
        page = history.list_assessments(nurse, patient.pk, instrument="nrs_mood", page_size=5)
        assert (page.total, page.pages, len(page.items)) == (7, 2, 5)
        assert [a.total for a in page.items] == [6, 5, 4, 3, 2]  # newest completed first
        last = history.list_assessments(
            nurse, patient.pk, instrument="nrs_mood", page_size=5, page=2
        )
        assert [a.total for a in last.items] == [1, 0]
        entry = AuditEvent.objects.filter(action="assessment.view").latest("id")
        assert entry.detail["shown"] == [a.pk for a in last.items]
        assert entry.patient_id == patient.pk

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"page": 0}, "page"),
            ({"page_size": 101}, "page_size"),
            ({"instrument": "x"}, "instrument"),
        ],
    )
    def test_bad_paging_or_filter_is_named(
        self,
        users: dict[str, Any],
        actor_for: Any,
        patient: Any,
        params: dict[str, Any],
        field: str,
    ) -> None:
        with pytest.raises(InvalidInput) as error:
            history.list_assessments(actor_for(users["nurse"]), patient.pk, **params)
        assert _fields(error) == [field]

    def test_one_assessment_is_read_with_its_amendment_chain(
        self, record: Any, users: dict[str, Any], actor_for: Any, patient: Any, other_patient: Any
    ) -> None:
        nurse = actor_for(users["nurse"])
        original = record("nrs_mood", {"nrs_mood": 5})
        amendment = services.amend_assessment(
            nurse, patient.pk, original.pk, {"answers": {"nrs_mood": 4}, "reason": "typo"}
        )
        read = history.get_assessment(nurse, patient.pk, original.pk)
        assert read.amendment == amendment
        assert history.get_assessment(nurse, patient.pk, amendment.pk).amends == original
        with pytest.raises(NotFound):
            history.get_assessment(nurse, other_patient.pk, original.pk)
        entry = AuditEvent.objects.filter(action="assessment.view").latest("id")
        assert (entry.object_id, entry.patient_id) == (str(amendment.pk), patient.pk)

    def test_trends_keep_the_latest_valid_current_totals_per_instrument(
        self,
        record: Any,
        users: dict[str, Any],
        actor_for: Any,
        patient: Any,
        django_assert_num_queries: Any,
    ) -> None:
        start = timezone.now() - timedelta(days=100)
        for day in range(15):
            record(
                "nrs_pain_average",
                {"nrs_pain_average": day % 11},
                completed_at=start + timedelta(days=day),
            )
        invalid = every_item("fiqr", 2, brush_hair=None, walk_20_min=None)
        record("fiqr", invalid)
        superseded = record("phq9", phq9())
        nurse = actor_for(users["nurse"])
        services.amend_assessment(
            nurse, patient.pk, superseded.pk, {"answers": phq9(others=0), "reason": "typo"}
        )
        # The window query and the audit entry, chained (savepoint, lock the chain head, insert,
        # move the head, release); the reach check was made by the amendment.
        with django_assert_num_queries(6):
            trends = history.trends(nurse, patient.pk)
        assert [t.definition.id for t in trends] == ["phq9", "nrs_pain_average"]
        phq, pain = trends
        assert [p.total for p in phq.points] == [0]
        assert len(pain.points) == history.TREND_POINTS
        assert [p.total for p in pain.points] == [(day % 11) for day in range(3, 15)]
        assert pain.latest.total == 14 % 11

    def test_the_baseline_summary_takes_the_latest_current_baseline(
        self, record: Any, users: dict[str, Any], actor_for: Any, patient: Any
    ) -> None:
        old = timezone.now() - timedelta(days=10)
        record("phq9", phq9(others=3), context="baseline", completed_at=old)
        newer = record("phq9", phq9(others=2), context="baseline")
        record("phq9", phq9(others=0), context="follow_up")
        record("acr2016", acr_met(), context="baseline")
        summary = history.baseline_summary(actor_for(users["physician"]), patient.pk)
        assert summary.result("phq9") == newer
        assert summary.result("acr2016").criteria["met"] is True
        assert summary.result("fiqr") is None
        assert not summary.complete
        assert [d.id for d, _ in summary.results][:4] == ["acr2016", "fiqr", "phq9", "gad7"]
        entry = AuditEvent.objects.filter(action="assessment.view").latest("id")
        assert entry.detail == {"view": "baseline_summary", "bundle": "baseline_intake"}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(answers=st.lists(st.integers(0, 3), min_size=9, max_size=9))
def test_any_phq9_is_stored_with_its_exact_score_and_alert(record: Any, answers: list[int]) -> None:
    by_item = {f"phq9_{n}": value for n, value in enumerate(answers, start=1)}
    stored = record("phq9", by_item)
    assert stored.total == sum(answers)
    assert stored.band_code == score("phq9", by_item).band.code  # type: ignore[union-attr]
    assert stored.urgent == (answers[8] > 0)


def test_acr_met_fixture_is_what_it_says() -> None:
    assert score("acr2016", every_item("acr2016", 0) | ACR_MET).criteria.met  # type: ignore[union-attr]
