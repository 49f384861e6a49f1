"""A patient's full record for the FHIR tests: scores, the ACR 2016 criteria met (so a
Condition), an infusion and a booked consultation."""

from __future__ import annotations

from typing import Any

import pytest
from outcomes_support import ago, infusion

from ketaclinic.records.assessments import services as assessments
from ketaclinic.records.assessments.registry import registry


def acr_met() -> dict[str, int]:
    """Every WPI area painful, every symptom at its worst, for 3 months: criteria met."""
    return {item.id: item.answer.max for item in registry().get("acr2016").items}


@pytest.fixture
def full_record(
    scored: Any,
    clinician: Any,
    infusions_given: list,
    location: Any,
    book_consultation: Any,
) -> Any:
    assessments.record_assessment(
        clinician,
        scored.pk,
        {
            "instrument": "acr2016",
            "answers": acr_met(),
            "context": "baseline",
            "completed_at": ago(70),
        },
    )
    infusions_given.append(infusion(scored, 60, session_id=41))
    book_consultation(scored, location)
    return scored
