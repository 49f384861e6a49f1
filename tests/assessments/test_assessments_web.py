"""Web pages: forms generated from the definitions (staff and patient), their errors,
history, one record, amendment, the baseline summary, the chart panel and requests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from assessments_support import NRS_SET, acr_met, every_item, phq9
from django.test import Client
from django.utils import timezone

from ketaclinic.records.assessments import services
from ketaclinic.records.assessments.models import Assessment, AssessmentRequest
from ketaclinic.records.audit.models import AuditEvent


def _form(answers: dict[str, Any], **fields: str) -> dict[str, str]:
    """Answers as a browser posts them: unticked checkboxes and blanks are left out."""
    posted = {k: str(int(v)) for k, v in answers.items() if v is not None and v is not False}
    return posted | fields


@pytest.fixture
def nurse(web_as: Any, users: dict[str, Any]) -> Client:
    return web_as(users["nurse"])


def _new(patient: Any, instrument: str) -> str:
    return f"/patients/{patient.pk}/assessments/new/{instrument}/"


class TestStaffForm:
    def test_the_form_is_generated_from_the_definition(self, nurse: Client, patient: Any) -> None:
        phq = nurse.get(_new(patient, "phq9")).content.decode()
        assert phq.count('type="radio" name="phq9_') == 9 * 4
        assert "9. Thoughts that you would be better off dead" in phq
        assert "Nearly every day" in phq
        acr = nurse.get(_new(patient, "acr2016")).content.decode()
        assert acr.count('type="checkbox" name="wpi_') == 19
        assert "Region 5: axial" in acr
        assert acr.count('name="sss_fatigue"') == 4
        nrs = nurse.get(_new(patient, "nrs_pain_worst")).content.decode()
        assert nrs.count('name="nrs_pain_worst"') == 11
        assert "0 = No pain · 10 = Pain as bad as you can imagine" in nrs
        aldrete = nurse.get(_new(patient, "aldrete")).content.decode()
        assert aldrete.index("Moves 4 limbs") < aldrete.index("Moves no limbs")
        assert nurse.get(_new(patient, "bdi")).status_code == 404

    def test_opening_the_form_is_audited_and_needs_the_permission(
        self, nurse: Client, web_as: Any, users: dict[str, Any], patient: Any
    ) -> None:
        nurse.get(_new(patient, "gad7"))
        entry = AuditEvent.objects.get(action="patient.view")
        assert (entry.patient_id, entry.detail) == (patient.pk, {"for": "assessment.record"})
        assert web_as(users["front_desk"]).get(_new(patient, "gad7")).status_code == 403

    def test_the_first_entry_defaults_to_baseline_then_follow_up(
        self, nurse: Client, patient: Any
    ) -> None:
        selected = 'value="{}" selected'
        assert selected.format("baseline") in nurse.get(_new(patient, "gad7")).content.decode()
        nurse.post(_new(patient, "gad7"), _form(every_item("gad7", 1), context="baseline"))
        again = nurse.get(_new(patient, "gad7")).content.decode()
        assert selected.format("follow_up") in again
        assert selected.format("baseline") in nurse.get(_new(patient, "phq9")).content.decode()

    def test_too_few_answers_warn_before_signing_without_a_score(
        self, nurse: Client, patient: Any
    ) -> None:
        sparse = dict(list(every_item("fiqr", 3).items())[:5])
        first = nurse.post(_new(patient, "fiqr"), _form(sparse, context="baseline"))
        assert first.status_code == 422
        text = first.content.decode()
        assert "too few for a" in text
        assert "Sign it without a score" in text
        assert not Assessment.objects.exists()
        signed = nurse.post(
            _new(patient, "fiqr"), _form(sparse, context="baseline", accept_incomplete="on")
        )
        assert signed.status_code == 302
        kept = Assessment.objects.get()
        assert kept.total is None

    def test_a_valid_form_is_signed_and_shown(self, nurse: Client, patient: Any) -> None:
        when = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        ticked_only = {k: v for k, v in acr_met().items() if v or not k.startswith("wpi_")}
        answer = nurse.post(
            _new(patient, "acr2016"), _form(ticked_only, context="baseline", completed_at=when)
        )
        assert answer.status_code == 302
        stored = Assessment.objects.get()
        assert answer["Location"] == f"/patients/{patient.pk}/assessments/{stored.pk}/"
        assert stored.answers["wpi_jaw_left"] == 0  # unticked box: no pain
        assert stored.criteria["met"] is True
        assert timezone.localtime(stored.completed_at).strftime("%Y-%m-%dT%H:%M") == when
        page = nurse.get(answer["Location"]).content.decode()
        assert "Meets the ACR 2016 fibromyalgia criteria: met" in page
        assert "<dt>WPI</dt><dd>9</dd>" in page
        assert "<strong>16</strong> · Moderate" in page

    @pytest.mark.parametrize(
        ("instrument", "posted", "named"),
        [
            ("phq9", _form(phq9()) | {"phq9_9": ""}, "Question 9: no answer"),
            ("phq9", _form(phq9()) | {"phq9_2": "7"}, "Question 2: 7 is outside the range 0–3"),
            ("phq9", _form(phq9()) | {"phq9_2": "often"}, "Question 2: must be a whole number"),
            ("gad7", {"gad7_1": "1"}, "Question 7: no answer"),
            ("nrs_fatigue", {}, "Your fatigue (tiredness) over the past 24 hours: no answer"),
        ],
    )
    def test_bad_answers_rerender_with_the_item_named_and_nothing_stored(
        self, nurse: Client, patient: Any, instrument: str, posted: dict[str, str], named: str
    ) -> None:
        answer = nurse.post(_new(patient, instrument), posted | {"context": "follow_up"})
        assert answer.status_code == 422
        page = answer.content.decode()
        assert named in page
        assert "Nothing was saved" in page
        assert 'aria-invalid="true"' in page
        assert not Assessment.objects.exists()

    def test_answers_given_are_kept_when_the_form_comes_back(
        self, nurse: Client, patient: Any
    ) -> None:
        posted = _form(phq9(others=2)) | {"phq9_9": "", "context": "baseline"}
        page = nurse.post(_new(patient, "phq9"), posted).content.decode()
        assert page.count("checked") == 8
        assert '<option value="baseline" selected>' in page

    @pytest.mark.parametrize(
        ("fields", "named"),
        [
            ({"completed_at": "yesterday"}, "completed_at"),
            ({"completed_at": "2999-01-01T10:00"}, "cannot be in the future"),
            ({"context": "teatime"}, "context"),
        ],
    )
    def test_bad_record_fields_are_named(
        self, nurse: Client, patient: Any, fields: dict[str, str], named: str
    ) -> None:
        answer = nurse.post(_new(patient, "phq9"), _form(phq9()) | {"context": "baseline"} | fields)
        assert answer.status_code == 422
        assert named in answer.content.decode()
        assert not Assessment.objects.exists()


class TestRecordPages:
    def test_history_detail_and_amendment(
        self, nurse: Client, record: Any, patient: Any, users: dict[str, Any]
    ) -> None:
        original = record("phq9", phq9(others=2), context="baseline")
        history = nurse.get(f"/patients/{patient.pk}/assessments/").content.decode()
        assert f"/assessments/{original.pk}/" in history
        amend = f"/patients/{patient.pk}/assessments/{original.pk}/amend/"
        form = nurse.get(amend).content.decode()
        assert form.count("checked") == 9  # prefilled with the signed answers
        assert "Reason for the amendment" in form
        missing_reason = nurse.post(amend, _form(phq9(others=1)) | {"context": "baseline"})
        assert missing_reason.status_code == 422
        assert "reason" in missing_reason.content.decode()
        done = nurse.post(amend, _form(phq9(others=1)) | {"context": "baseline", "reason": "typo"})
        assert done.status_code == 302
        amendment = Assessment.objects.get(amends=original)
        assert done["Location"].endswith(f"/assessments/{amendment.pk}/")
        old_page = nurse.get(f"/patients/{patient.pk}/assessments/{original.pk}/").content
        assert b"Superseded" in old_page
        assert b">Amend</a>" not in old_page
        again = nurse.post(amend, _form(phq9()) | {"context": "baseline", "reason": "again"})
        assert again.status_code == 409
        assert Assessment.objects.count() == 2
        history = nurse.get(f"/patients/{patient.pk}/assessments/").content.decode()
        assert f"/assessments/{original.pk}/" not in history
        assert (
            f"/assessments/{original.pk}/"
            in nurse.get(f"/patients/{patient.pk}/assessments/", {"all": "1"}).content.decode()
        )

    def test_history_pages_and_filters(self, nurse: Client, record: Any, patient: Any) -> None:
        for value in range(27):
            record("nrs_mood", {"nrs_mood": value % 11})
        record("nrs_fatigue", {"nrs_fatigue": 1})
        first = nurse.get(f"/patients/{patient.pk}/assessments/", {"instrument": "nrs_mood"})
        assert b"27 assessments" in first.content
        assert b"Page 1 of 2" in first.content
        assert b"nrs_fatigue" not in first.content.split(b"<tbody>")[1]

    def test_front_desk_and_patients_cannot_open_scores_or_amend(
        self, web_as: Any, users: dict[str, Any], patient_user: Any, record: Any, patient: Any
    ) -> None:
        stored = record("phq9", phq9())
        desk = web_as(users["front_desk"])
        for path in ("", f"{stored.pk}/", "baseline/", f"{stored.pk}/amend/"):
            assert desk.get(f"/patients/{patient.pk}/assessments/{path}").status_code == 403
        own = web_as(patient_user)
        assert own.get(f"/patients/{patient.pk}/assessments/{stored.pk}/amend/").status_code == 403


class TestBaselineSummary:
    def test_the_bundle_on_one_screen(
        self, web_as: Any, users: dict[str, Any], record: Any, patient: Any
    ) -> None:
        record("acr2016", acr_met(), context="baseline")
        record("fiqr", every_item("fiqr", 6), context="baseline")
        record("phq9", phq9(item9=1), context="baseline")
        for instrument, value in zip(NRS_SET, (7, 9, 8, 6, 5, 4), strict=True):
            record(instrument, {instrument: value}, context="baseline")
        page = web_as(users["physician"]).get(f"/patients/{patient.pk}/assessments/baseline/")
        html = page.content.decode()
        assert "Meets the ACR 2016 fibromyalgia criteria: met" in html
        assert "WPI 9 with SSS 7 meets WPI ≥7 with SSS ≥5" in html
        assert "<strong>16</strong> · Moderate" in html  # FS and its band
        assert "<dt>SSS</dt><dd>7</dd>" in html
        assert "<dt>Overall impact</dt><dd>12</dd>" in html
        assert "<strong>60</strong> · Moderate" in html  # FIQR total and band
        assert "item 9 answered 1" in html
        gad = html.split("GAD-7")[1]
        assert "Not completed" in gad.split("</section>")[0]
        for value in (">7<", ">9<", ">8<", ">6<", ">5<", ">4<"):
            assert value in html

    def test_an_invalid_fiqr_says_why(
        self, web_as: Any, users: dict[str, Any], record: Any, patient: Any
    ) -> None:
        record("fiqr", every_item("fiqr", 2, pain=None), context="baseline")
        page = web_as(users["physician"]).get(f"/patients/{patient.pk}/assessments/baseline/")
        assert b"Not valid: Symptoms: 1 of 10 items unanswered" in page.content


class TestChartPanel:
    def test_clinicians_see_trends_front_desk_sees_requests_only(
        self, web_as: Any, users: dict[str, Any], record: Any, patient: Any, actor_for: Any
    ) -> None:
        start = timezone.now() - timedelta(days=40)
        for week, value in enumerate((8, 7, 5, 4)):
            record(
                "nrs_pain_average",
                {"nrs_pain_average": value},
                completed_at=start + timedelta(days=7 * week),
            )
        services.request_bundle(
            actor_for(users["nurse"]), patient.pk, {"bundle": "baseline_intake"}
        )
        chart = web_as(users["physician"]).get(f"/patients/{patient.pk}/").content.decode()
        assert 'class="sparkline"' in chart
        assert "Average pain (NRS 0–10): 8, 7, 5, 4 (higher is worse)" in chart
        assert "Baseline summary" in chart
        assert "0 of 10 done" in chart
        desk = web_as(users["front_desk"]).get(f"/patients/{patient.pk}/").content.decode()
        assert "0 of 10 done" in desk
        assert "sparkline" not in desk
        assert "Baseline summary" not in desk
        assert "Ask to complete questionnaires" in desk

    def test_the_chart_stays_at_a_fixed_number_of_queries(
        self,
        web_as: Any,
        users: dict[str, Any],
        record: Any,
        patient: Any,
        django_assert_max_num_queries: Any,
    ) -> None:
        client = web_as(users["physician"])
        for instrument in NRS_SET:
            record(instrument, {instrument: 3})
        # the chart has grown: consent and test-result panels (issue 14), online intake and
        # estimates (issue 15, 16); each panel's read is audited, and an audit entry is now five
        # statements (the hash chain, issue 17): about half the count is the audit trail
        with django_assert_max_num_queries(100) as few:
            client.get(f"/patients/{patient.pk}/")
        for _ in range(5):
            for instrument in NRS_SET:
                record(instrument, {instrument: 4})
            record("phq9", phq9())
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get(f"/patients/{patient.pk}/")


class TestRequestPage:
    def test_ask_then_a_second_time_and_bad_dates(
        self, web_as: Any, users: dict[str, Any], patient: Any
    ) -> None:
        desk = web_as(users["front_desk"])
        path = f"/patients/{patient.pk}/assessment-requests/new/"
        assert b"Baseline intake" in desk.get(path).content
        asked = desk.post(path, {"bundle": "baseline_intake", "context": "baseline"})
        assert asked.status_code == 302
        assert AssessmentRequest.objects.count() == 1
        again = desk.post(path, {"bundle": "baseline_intake", "context": "baseline"})
        assert again.status_code == 409
        assert b"still open" in again.content
        past = str(timezone.localdate() - timedelta(days=3))
        bad = desk.post(path, {"bundle": "baseline_intake", "due_on": past})
        assert bad.status_code == 422
        assert b"cannot be in the past" in bad.content
        assert AssessmentRequest.objects.count() == 1
        assert web_as(users["manager"]).get(path).status_code == 403


class TestMyQuestionnaires:
    def test_the_patient_sees_what_was_asked_and_answers_it(
        self, web_as: Any, users: dict[str, Any], patient_user: Any, patient: Any, actor_for: Any
    ) -> None:
        asked = services.request_bundle(
            actor_for(users["front_desk"]), patient.pk, {"bundle": "baseline_intake"}
        )
        client = web_as(patient_user)
        listing = client.get("/my/questionnaires/").content.decode()
        assert "0 of 10 done" in listing
        link = f"/my/questionnaires/gad7/?request={asked.pk}"
        assert link.replace("&", "&amp;") in listing
        form = client.get(link).content.decode()
        assert "data-step-by-step" in form
        assert "Version" not in form  # no staff fields on the patient's form
        assert 'name="completed_at"' not in form
        missing = client.post("/my/questionnaires/gad7/", {"request": str(asked.pk), "gad7_1": "2"})
        assert missing.status_code == 422
        assert "Question 2: no answer" in missing.content.decode()
        sent = client.post(
            "/my/questionnaires/gad7/",
            _form(every_item("gad7", 1)) | {"request": str(asked.pk)},
            follow=True,
        )
        assert sent.redirect_chain == [("/my/questionnaires/", 302)]
        assert "your answers to the GAD-7" in sent.content.decode()
        assert "1 of 10 done" in sent.content.decode()
        stored = Assessment.objects.get()
        assert (stored.request, stored.context, stored.entered_by) == (asked, "baseline", "patient")

    def test_a_questionnaire_between_visits_is_a_follow_up(
        self, web_as: Any, patient_user: Any
    ) -> None:
        client = web_as(patient_user)
        assert b"/my/questionnaires/nrs_fatigue/" in client.get("/my/questionnaires/").content
        assert b"/my/questionnaires/aldrete/" not in client.get("/my/questionnaires/").content
        assert (
            client.post("/my/questionnaires/nrs_fatigue/", {"nrs_fatigue": "6"}).status_code == 302
        )
        assert Assessment.objects.get().context == "follow_up"

    def test_only_patient_accounts_and_only_their_requests(
        self,
        web_as: Any,
        users: dict[str, Any],
        patient_user: Any,
        other_patient: Any,
        actor_for: Any,
    ) -> None:
        assert web_as(users["nurse"]).get("/my/questionnaires/").status_code == 403
        theirs = services.request_bundle(
            actor_for(users["nurse"]), other_patient.pk, {"bundle": "baseline_intake"}
        )
        client = web_as(patient_user)
        assert client.get(f"/my/questionnaires/phq9/?request={theirs.pk}").status_code == 404
        assert client.get("/my/questionnaires/bdi/").status_code == 404
        assert b"My questionnaires" in client.get(f"/patients/{patient_user.patient_id}/").content
