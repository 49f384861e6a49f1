"""A compact trend line as SVG coordinates: no chart library, no script."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 120
HEIGHT = 28
PAD = 3


@dataclass(frozen=True)
class Sparkline:
    points: str  # "x,y x,y …" for a <polyline>
    last_x: float
    last_y: float
    width: int = WIDTH
    height: int = HEIGHT


def sparkline(values: Sequence[float], low: float, high: float) -> Sparkline:
    """Evenly spaced ``values`` scaled from ``low``..``high`` (bottom..top of the box)."""
    span = (high - low) or 1.0
    step = (WIDTH - 2 * PAD) / max(1, len(values) - 1)
    coordinates = [
        (
            round(PAD + index * step, 1),
            round(HEIGHT - PAD - (min(max(value, low), high) - low) / span * (HEIGHT - 2 * PAD), 1),
        )
        for index, value in enumerate(values)
    ]
    last_x, last_y = coordinates[-1] if coordinates else (PAD, HEIGHT - PAD)
    return Sparkline(" ".join(f"{x},{y}" for x, y in coordinates), last_x, last_y)
