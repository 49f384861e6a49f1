"""What became of a draw: drawn = given + wasted + still to account, in exact decimals.

Pure (no Django): the supply checks and the flowsheet read it, and the property tests drive it
with any sequence of uses and reversals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from .quantities import plain

GIVEN = "administered"
WASTED = "waste"


@dataclass(frozen=True)
class Use:
    """One administration or waste of the draw (``reversed``: undone by a reversal)."""

    kind: str
    mg: Decimal
    reversed: bool = False


@dataclass(frozen=True)
class DrawAccount:
    drawn_mg: Decimal
    given_mg: Decimal
    wasted_mg: Decimal

    @property
    def left_mg(self) -> Decimal:
        """Drawn and neither given nor wasted yet."""
        return self.drawn_mg - self.given_mg - self.wasted_mg

    @property
    def settled(self) -> bool:
        return self.left_mg == 0

    def describe(self) -> str:
        return (
            f"{plain(self.drawn_mg)} mg drawn, {plain(self.given_mg)} given, "
            f"{plain(self.wasted_mg)} wasted, {plain(self.left_mg)} still to account for"
        )


def account(drawn_mg: Decimal, uses: Iterable[Use]) -> DrawAccount:
    """The draw's account from its uses; a reversed use counts for nothing. Raises
    ``ValueError`` when the uses add up to more than was drawn (the ledger never allows it)."""
    if drawn_mg < 0:
        raise ValueError("drawn_mg cannot be negative")
    totals = {GIVEN: Decimal(0), WASTED: Decimal(0)}
    for use in uses:
        if use.kind not in totals or use.mg <= 0:
            raise ValueError(f"not a use of a draw: {use}")
        if not use.reversed:
            totals[use.kind] += use.mg
    result = DrawAccount(drawn_mg, totals[GIVEN], totals[WASTED])
    if result.left_mg < 0:
        raise ValueError(f"more than was drawn is accounted for: {result.describe()}")
    return result
