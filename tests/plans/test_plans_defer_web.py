"""A blood pressure at the defer threshold, screened on the web: "Defer", not decidable away."""

from __future__ import annotations

from typing import Any

from ketaclinic.records.plans.models import Screening


def test_screening_defers_at_200_over_120(web_as: Any, users: dict[str, Any], patient: Any) -> None:
    doctor = web_as(users["physician"])
    answer = doctor.post(
        f"/patients/{patient.pk}/screening/run/",
        {"pregnant": "no", "vitals.sbp_mm_hg": "200", "vitals.dbp_mm_hg": "120"},
    )
    assert answer.status_code == 302
    assert Screening.objects.get().outcome == "defer"
    page = doctor.get(f"/patients/{patient.pk}/screening/").content.decode()
    assert "Defer: re-measure or treat first" in page
    assert 'value="proceed_after_review"' not in page
    assert 'value="not_eligible"' in page
