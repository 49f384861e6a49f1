"""The vital signs over a session as an inline SVG line chart (no JavaScript, no library)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# One line per vital sign: its label and colour; SpO2 and respiratory rate share the axis.
SERIES = (
    ("sbp_mm_hg", "Systolic BP", "#b42318"),
    ("dbp_mm_hg", "Diastolic BP", "#e07a5f"),
    ("heart_rate_per_min", "Heart rate", "#0b5cad"),
    ("spo2_percent", "SpO2 %", "#067647"),
    ("resp_rate_per_min", "Resp. rate", "#6941c6"),
)
WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 10, 46
Y_MIN, Y_MAX = 0.0, 200.0


@dataclass(frozen=True)
class Point:
    minute: float
    """Minutes from the first reading."""
    values: Mapping[str, float]


def _x(minute: float, span: float) -> float:
    return LEFT + (WIDTH - LEFT - RIGHT) * (minute / span if span else 0.5)


def _y(value: float) -> float:
    clamped = min(max(value, Y_MIN), Y_MAX)
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (clamped - Y_MIN) / (Y_MAX - Y_MIN))


def vitals_svg(points: Sequence[Point], title: str = "Vital signs over the session") -> str:
    """An SVG chart of ``points``; the text equivalent belongs in the page's table."""
    span = max((point.minute for point in points), default=0.0)
    grid = "".join(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_y(v):.1f}" y2="{_y(v):.1f}" '
        f'stroke="#d8dee6"/><text x="{LEFT - 4}" y="{_y(v) + 4:.1f}" text-anchor="end" '
        f'font-size="10">{v:g}</text>'
        for v in (0, 50, 100, 150, 200)
    )
    lines = []
    for key, label, colour in SERIES:
        coords = [
            (_x(point.minute, span), _y(point.values[key]))
            for point in points
            if key in point.values
        ]
        if not coords:
            continue
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5"/>' for x, y in coords)
        lines.append(
            f'<g stroke="{colour}" fill="{colour}"><title>{label}</title>'
            f'<polyline points="{path}" fill="none" stroke-width="2"/>{dots}</g>'
        )
    legend = "".join(
        f'<text x="{LEFT + i * 120}" y="{HEIGHT - 6}" font-size="11" fill="{colour}">'
        f"■ {label}</text>"
        for i, (_, label, colour) in enumerate(SERIES)
    )
    axis = (
        f'<text x="{LEFT}" y="{HEIGHT - 24}" font-size="10">0 min</text>'
        f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 24}" font-size="10" text-anchor="end">'
        f"{span:.0f} min</text>"
    )
    return (
        f'<svg class="plot vitals-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{title}" xmlns="http://www.w3.org/2000/svg">'
        f"{grid}{''.join(lines)}{axis}{legend}</svg>"
    )
