"""Exact quantities: volumes to 0.001 mL, and mg = mL × strength with no rounding."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

ML_STEP = Decimal("0.001")
MG_STEP = Decimal("0.000001")


@dataclass(frozen=True)
class Quantity:
    """A signed amount of one product, in both units."""

    mg: Decimal
    ml: Decimal

    def __neg__(self) -> Quantity:
        return Quantity(-self.mg, -self.ml)

    def __add__(self, other: Quantity) -> Quantity:
        return Quantity(self.mg + other.mg, self.ml + other.ml)

    def __sub__(self, other: Quantity) -> Quantity:
        return Quantity(self.mg - other.mg, self.ml - other.ml)


ZERO = Quantity(Decimal(0), Decimal(0))


def of_ml(volume_ml: Decimal, strength_mg_per_ml: Decimal) -> Quantity:
    return Quantity(volume_ml * strength_mg_per_ml, volume_ml)


def ml_for_mg(dose_mg: Decimal, strength_mg_per_ml: Decimal) -> Decimal | None:
    """The volume holding exactly ``dose_mg``, or None when it is not a whole 0.001 mL."""
    volume_ml = dose_mg / strength_mg_per_ml
    rounded = volume_ml.quantize(ML_STEP)
    return rounded if rounded * strength_mg_per_ml == dose_mg else None


def plain(value: Decimal) -> str:
    """A decimal without trailing zeros or exponent: 500, 35.5, 0.734."""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def summed(value: Decimal | float | int, step: Decimal = ML_STEP) -> Decimal:
    """A database sum back to its exact step (SQLite adds decimals in floating point)."""
    return Decimal(str(value)).quantize(step)
