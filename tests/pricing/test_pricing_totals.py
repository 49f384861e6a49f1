"""Money reconciles to the cent: an estimate's total is the sum of quantity × amount over its
lines, whatever the prices and the care; dollars print from cents without rounding."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.records.clinics.models import Location
from ketaclinic.records.pricing.care import Care, Shape, price, total_cents
from ketaclinic.records.pricing.choices import PriceKind
from ketaclinic.records.pricing.models import PriceItem, PriceList
from ketaclinic.records.pricing.money import dollars

CENTS = st.integers(min_value=0, max_value=100_000_000)


def _price_list(amounts: dict[PriceKind, int], package_sessions: int) -> PriceList:
    """An unsaved list whose items are prefetched (pure: no database)."""
    price_list = PriceList(
        pk=1, version=1, effective_from=date(2031, 1, 1), location=Location(name="A")
    )
    items = [
        PriceItem(
            price_list=price_list,
            kind=kind,
            label=kind.label,
            codes=["96365"],
            sessions=package_sessions if kind == PriceKind.PACKAGE else 1,
            amount_cents=amount,
        )
        for kind, amount in amounts.items()
    ]
    price_list._prefetched_objects_cache = {"items": items}  # type: ignore[attr-defined]
    return price_list


CARE = st.builds(
    Care,
    shape=st.sampled_from(list(Shape)),
    count=st.integers(min_value=1, max_value=24),
    duration_min=st.sampled_from([0, 40, 60, 90, 91, 150, 240]),
)


@given(
    amounts=st.fixed_dictionaries(dict.fromkeys(PriceKind, CENTS)),
    package_sessions=st.integers(min_value=2, max_value=12),
    care=st.lists(CARE, min_size=1, max_size=6),
)
def test_an_estimate_total_is_the_sum_of_its_lines_to_the_cent(
    amounts: dict[PriceKind, int], package_sessions: int, care: list[Care]
) -> None:
    lines = price(_price_list(amounts, package_sessions), care)
    assert total_cents(lines) == sum(line.quantity * line.amount_cents for line in lines)
    infusions = sum(c.count for c in care if c.shape == Shape.SERIES)
    packaged = sum(
        line.quantity * package_sessions for line in lines if line.kind == PriceKind.PACKAGE
    )
    single = sum(line.quantity for line in lines if line.kind == PriceKind.INFUSION)
    assert packaged + single == infusions  # every infusion of a series priced exactly once
    assert all(isinstance(line.amount_cents, int) for line in lines)


@given(cents=CENTS)
def test_dollars_print_every_cent(cents: int) -> None:
    text = dollars(cents)
    whole, fraction = text.removeprefix("$").replace(",", "").split(".")
    assert int(whole) * 100 + int(fraction) == cents
