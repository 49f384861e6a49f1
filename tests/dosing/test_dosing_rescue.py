"""The rescue formulary and the limits a PRN dose is checked with, and the draw accounting
(drawn = given + wasted + still to account)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.core import DomainInputError, Sourced
from ketaclinic.dosing.rescue import (
    check_rescue_dose,
    default_rescue_formulary,
    rescue_formulary_from_mapping,
    rescue_limits,
)
from ketaclinic.protocols import LimitStatus
from ketaclinic.records.ledger.accounting import GIVEN, WASTED, Use, account


def test_benzodiazepines_are_schedule_iv_and_ketamine_iii() -> None:
    formulary = default_rescue_formulary()
    assert formulary.schedule_of("midazolam") == "CIV"
    assert formulary.schedule_of("lorazepam") == "CIV"
    assert formulary.schedule_of("ketamine") == "CIII"
    assert formulary.schedule_of("ondansetron") is None


def test_every_prn_number_has_a_source() -> None:
    for spec in default_rescue_formulary().order_set_for("any-protocol"):
        for number in (spec.dose_mg, spec.dose_hard_max_mg, spec.max_per_session_mg):
            assert number.source
        assert spec.indication_source


def test_an_order_set_with_limits_out_of_order_is_refused() -> None:
    data = {
        "version": "x",
        "drug": [{"id": "ondansetron", "label": "ondansetron"}],
        "order_set": {
            "*": [
                {
                    "drug": "ondansetron",
                    "route": "iv",
                    "indication": "nausea",
                    "indication_source": "s",
                    "dose_mg": {"value": 8, "source": "s"},
                    "dose_hard_max_mg": {"value": 4, "source": "s"},
                    "max_per_session_mg": {"value": 8, "source": "s"},
                }
            ]
        },
    }
    with pytest.raises(DomainInputError, match="dose_mg"):
        rescue_formulary_from_mapping(data)


LIMITS = rescue_limits(Sourced(1, "s"), Sourced(2, "s"), Sourced(4, "s"))
doses = st.floats(min_value=0.01, max_value=10, allow_nan=False)


@given(dose=doses, before=st.floats(min_value=0, max_value=10, allow_nan=False))
def test_a_dose_is_refused_beyond_either_maximum_and_needs_a_reason_above_the_order(
    dose: float, before: float
) -> None:
    single, total = check_rescue_dose(LIMITS, dose, before)
    tolerance = 1e-9
    assert (single.status is LimitStatus.HARD_EXCEEDED) == (dose > 2 + tolerance * 2)
    assert (single.status is LimitStatus.SOFT_EXCEEDED) == (1 + tolerance < dose <= 2 + 2e-9)
    assert total.value == before + dose
    assert (total.status is LimitStatus.HARD_EXCEEDED) == (before + dose > 4 + 4e-9)


amounts = st.decimals(min_value=Decimal("0.001"), max_value=100, places=3)


@given(
    drawn=st.decimals(min_value=0, max_value=500, places=3),
    uses=st.lists(st.tuples(st.sampled_from([GIVEN, WASTED]), amounts, st.booleans())),
)
def test_drawn_is_given_plus_wasted_plus_what_is_left(
    drawn: Decimal, uses: list[tuple[str, Decimal, bool]]
) -> None:
    counted = [Use(kind, mg, reversed_) for kind, mg, reversed_ in uses]
    kept = sum((mg for _, mg, reversed_ in uses if not reversed_), Decimal(0))
    if kept > drawn:
        with pytest.raises(ValueError, match="more than was drawn"):
            account(drawn, counted)
        return
    result = account(drawn, counted)
    assert result.given_mg + result.wasted_mg + result.left_mg == drawn
    assert result.left_mg >= 0
    assert result.settled == (kept == drawn)
