"""The vital signs over a session as an inline SVG line chart (no JavaScript, no library),
with the alert limits drawn as dashed lines in each vital sign's colour."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from .lifecycle import Phase
from .rules import SessionRules

# One line per vital sign: its label and colour; SpO2 and respiratory rate share the axis.
SERIES = (
    ("sbp_mm_hg", "Systolic BP", "#b42318"),
    ("dbp_mm_hg", "Diastolic BP", "#c4320a"),
    ("heart_rate_per_min", "Heart rate", "#0b5cad"),
    ("spo2_percent", "SpO2 %", "#067647"),
    ("resp_rate_per_min", "Resp. rate", "#6941c6"),
)
COLOURS = {key: colour for key, _, colour in SERIES}
# The drawing's own units; shown at least 600 px wide, its 14-unit text is at least 12 px.
WIDTH, HEIGHT = 720, 346
LEFT, RIGHT, TOP, BOTTOM = 52, 150, 30, 78
FONT = 14
Y_MIN, Y_MAX = 0.0, 200.0
TICK_MIN = 15.0


@dataclass(frozen=True)
class Point:
    minute: float
    """Minutes from the first reading."""
    values: Mapping[str, float]


@dataclass(frozen=True)
class ChartLimit:
    """An alert limit drawn on the chart: the vital sign, its value and what it says."""

    quantity: str
    value: float
    label: str


def chart_limits(rules: SessionRules, phase: Phase = Phase.DURING_INFUSION) -> list[ChartLimit]:
    """The alert limits of ``phase`` (the rules' thresholds), one line each."""
    short = {key: label for key, label, _ in SERIES}
    return [
        ChartLimit(
            rule.quantity,
            rule.threshold.value,
            f"{short[rule.quantity]} {'>' if rule.direction == 'above' else '<'} "
            f"{rule.threshold.value:g}",
        )
        for rule in rules.vitals
        if phase in rule.phases and rule.quantity in short
    ]


def _x(minute: float, span: float) -> float:
    return LEFT + (WIDTH - LEFT - RIGHT) * (minute / span if span else 0.5)


def _y(value: float) -> float:
    clamped = min(max(value, Y_MIN), Y_MAX)
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (clamped - Y_MIN) / (Y_MAX - Y_MIN))


def _text(x: float, y: float, text: str, anchor: str = "start", fill: str = "#1b2430") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{FONT}" text-anchor="{anchor}" '
        f'fill="{fill}">{escape(text)}</text>'
    )


def _axes(span: float) -> str:
    grid = "".join(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_y(v):.1f}" y2="{_y(v):.1f}" '
        f'stroke="#d8dee6"/>{_text(LEFT - 6, _y(v) + 5, f"{v:g}", "end")}'
        for v in (0, 50, 100, 150, 200)
    )
    step = TICK_MIN * max(1, int(span // (TICK_MIN * 8)) + 1)
    ticks = [0.0]
    while ticks[-1] + step <= span + 1e-9:
        ticks.append(ticks[-1] + step)
    bottom = HEIGHT - BOTTOM
    marks = "".join(
        f'<line x1="{_x(t, span):.1f}" x2="{_x(t, span):.1f}" y1="{bottom}" y2="{bottom + 5}" '
        f'stroke="#5b6676"/>{_text(_x(t, span), bottom + 21, f"{t:g}", "middle")}'
        for t in ticks
    )
    titles = _text(
        (LEFT + WIDTH - RIGHT) / 2, bottom + 42, "minutes from the first reading", "middle"
    ) + _text(4, 16, "mm Hg · /min · %")
    axis = f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{bottom}" y2="{bottom}" stroke="#5b6676"/>'
    return grid + axis + marks + titles


def _limits(limits: Sequence[ChartLimit]) -> str:
    """Each limit as a dashed line; the labels in the right margin, spaced so none overlap."""
    ordered = sorted(limits, key=lambda limit: _y(limit.value))
    drawn, label_y = [], float("-inf")
    for limit in ordered:
        y = _y(limit.value)
        label_y = max(y + 5, label_y + FONT + 2)
        colour = COLOURS[limit.quantity]
        drawn.append(
            f'<g class="limit"><title>Alert limit: {escape(limit.label)}</title>'
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{colour}" stroke-dasharray="6 4" stroke-width="1.5"/>'
            f"{_text(WIDTH - RIGHT + 6, label_y, limit.label, fill=colour)}</g>"
        )
    return "".join(drawn)


def vitals_svg(
    points: Sequence[Point],
    title: str = "Vital signs over the session",
    limits: Sequence[ChartLimit] = (),
) -> str:
    """An SVG chart of ``points`` with ``limits`` drawn; the text equivalent belongs in the
    page's table."""
    span = max((point.minute for point in points), default=0.0)
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
        dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5"/>' for x, y in coords)
        lines.append(
            f'<g stroke="{colour}" fill="{colour}"><title>{label}</title>'
            f'<polyline points="{path}" fill="none" stroke-width="2.5"/>{dots}</g>'
        )
    legend = "".join(
        _text(LEFT + i * 128, HEIGHT - 8, f"■ {label}", fill=colour)
        for i, (_, label, colour) in enumerate(SERIES)
    )
    return (
        f'<svg class="plot vitals-chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f"{_axes(span)}{_limits(limits)}{''.join(lines)}{legend}</svg>"
    )
