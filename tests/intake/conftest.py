"""Fixtures for the intake tests: a registered patient cared for by the physician, invited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from intake_support import STRONG


@pytest.fixture
def patient(register: Callable[..., Any], users: dict[str, Any]) -> Any:
    """Overrides the shared fixture: alerts about this patient go to the physician."""
    return register(mrn="MRN-0001", physician_id=users["physician"].pk)


@pytest.fixture
def staff(users: dict[str, Any], actor_for: Callable[..., Any]) -> dict[str, Any]:
    return {role: actor_for(user) for role, user in users.items()}


@pytest.fixture
def invited(staff: dict[str, Any], patient: Any) -> Any:
    from ketaclinic.records.intake import invitations

    return invitations.invite(staff["front_desk"], patient.pk, {})


@pytest.fixture
def redeemed(invited: Any) -> Any:
    """The patient's account, made from the link."""
    from ketaclinic.records.intake import invitations

    return invitations.redeem(
        invited.token,
        {"username": "ada.example", "password": STRONG, "password_again": STRONG},
    )


@pytest.fixture
def filled(redeemed: Any, actor_for: Callable[..., Any]) -> Any:
    """Every section saved and the intake sent."""
    from ketaclinic.records.intake import entries

    me = actor_for(redeemed)
    entries.save_section(me, "contacts", {"sex": "female", "phone": "555-0100"})
    entries.save_section(
        me,
        "medicines",
        {"medications": [{"name": "Duloxetine 60 mg"}], "allergies": ["Penicillin (rash)"]},
    )
    entries.save_section(me, "history", {"history_flags": ["hypertension"]})
    return entries.submit(me)
