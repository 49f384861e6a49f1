"""The PDF reports render: their text, extracted with pypdf, says what it should."""

from __future__ import annotations

import io
import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from outcomes_support import infusion
from pypdf import PdfReader

from ketaclinic.interop import fonts, pdf
from ketaclinic.outcomes import ScorePoint, assess_patient
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.outcomes import reports, services


def text_of(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_patient_progress_report(
    scored: Any, clinician: Any, infusions_given: list, sign_plan: Any
) -> None:
    sign_plan(scored)
    infusions_given += [infusion(scored, 60), infusion(scored, 58, dose_mg=38.5)]
    data = services.patient_outcomes(clinician, scored.pk, action=Action.REPORT_PATIENT)
    content = pdf.patient_report(data, timezone.get_current_timezone(), timezone.now())
    assert content.startswith(b"%PDF")
    text = text_of(content)
    for expected in (
        "Progress report",
        "Ada Example",
        "MRN MRN-0001",
        "Is it working?",
        "Pain (IMMPACT)",
        "not a responder",
        "improved by the MCID (unconfirmed)",
        "A booster is due",
        "Scores over time",
        "Average pain (NRS 0–10)",
        "38.5",
        "iv_infusion",
        "not a medical device",
        "Pain right now, before and after each infusion",
        "Mean change -3.5 (-9.9 to +2.9) over 2 infusions.",
    ):
        assert expected in text, expected


def test_patient_report_shows_pain_now_before_and_after_each_infusion(
    scored: Any, clinician: Any
) -> None:
    data = services.patient_outcomes(clinician, scored.pk, action=Action.REPORT_PATIENT)
    visit = datetime(2025, 3, 4, 14, 0, tzinfo=UTC)
    points = [
        ScorePoint("nrs_pain_average", visit - timedelta(days=30), 8, "baseline"),
        ScorePoint("nrs_pain_now", visit, 7, "pre_infusion"),
        ScorePoint("nrs_pain_average", visit, 8, "pre_infusion"),
        ScorePoint("nrs_pain_average", visit + timedelta(hours=2), 1, "post_infusion"),
        ScorePoint("nrs_pain_now", visit + timedelta(hours=2), 3, "post_infusion"),
    ]
    outcome = assess_patient(points, [], protocol=None, now=visit + timedelta(days=1))
    text = text_of(pdf.patient_report(replace(data, outcome=outcome), UTC, timezone.now()))
    assert "Pain right now, before and after each infusion" in text
    assert "Mean change -4.0 over 1 infusion." in text
    assert "2025-03-04 7 3 -4" in text


def test_patient_report_without_scores_or_infusions(patient: Any, clinician: Any) -> None:
    data = services.patient_outcomes(clinician, patient.pk)
    text = text_of(pdf.patient_report(data, timezone.get_current_timezone(), timezone.now()))
    assert "No infusions recorded yet." in text
    assert "no baseline score recorded" in text
    assert "Scores over time" not in text


def test_clinic_month_report(
    scored: Any, users: dict[str, Any], actor_for: Any, infusions_given: list
) -> None:
    infusions_given.append(infusion(scored, 0.5, side_effects=("nausea",)))
    month = timezone.localdate().replace(day=1)
    data = reports.clinic_month(actor_for(users["manager"]), {"month": f"{month:%Y-%m}"})
    text = text_of(pdf.clinic_report(data, timezone.get_current_timezone(), timezone.now()))
    for expected in (
        f"Clinic report — {month:%B %Y} (month to date)",
        "aggregates only",
        "new patients registered 1",
        "infusions given 1",
        "Outcomes: patients who started on or before",
        "moderate (IMMPACT)",
        "Dworkin",
        "mean change from baseline (95 % CI)",
        "infusions with side effects 1/1",
    ):
        assert expected in text, expected
    assert "Example" not in text  # no patient is named


def test_an_empty_month_says_so(users: dict[str, Any], actor_for: Any) -> None:
    data = reports.clinic_month(actor_for(users["manager"]), {"month": "2021-02"})
    text = text_of(pdf.clinic_report(data, timezone.get_current_timezone(), timezone.now()))
    assert "Clinic report — February 2021" in text
    assert "No patient matches" in text


def test_names_in_any_script_print_in_the_pdf(patient: Any, clinician: Any) -> None:
    """Polish and Chinese names come out as their letters, not as black boxes: the fonts are
    Unicode TrueType fonts embedded in the file (the Chinese from Debian's fallback font, which
    `make check` installs: scripts/ensure-fonts)."""
    if not fonts.fonts().fallback_chars and not os.environ.get("CI"):
        pytest.skip("no CJK fallback font installed here (scripts/ensure-fonts)")
    data = services.patient_outcomes(clinician, patient.pk)
    data.patient.given_name, data.patient.family_name = "Zażółć Gęślą", "王小明"
    content = pdf.patient_report(data, UTC, timezone.now())
    text = text_of(content)
    assert "Zażółć Gęślą" in text
    assert "王小明" in text
    embedded = {
        str(font["/BaseFont"]).split("+")[-1]
        for page in PdfReader(io.BytesIO(content)).pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert "DejaVuSans" in embedded
    assert embedded - {"DejaVuSans", "DejaVuSans-Bold", "/Helvetica"}, embedded
