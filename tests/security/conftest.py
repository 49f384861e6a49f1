"""Fixtures for the security walks: the demo clinic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def demo_clinic(db: Any, settings: Any, tmp_path: Path) -> Any:
    """The demo clinic; the patient with the most clinical facts."""
    from ketaclinic.records.demo import load_demo
    from ketaclinic.records.patients.models import Patient

    settings.VAR_DIR = tmp_path
    load_demo()
    return max(
        Patient.objects.all(),
        key=lambda p: len(p.allergies) + len(p.medications) + len(p.history_flags),
    )
