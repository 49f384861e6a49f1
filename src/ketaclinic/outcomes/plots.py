"""Outcome plots as PNG or SVG bytes (matplotlib, Agg canvas, no display): a patient's scores
over time with baseline, responder thresholds and infusions; a cohort's responder rates, mean
changes and durability curve."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from matplotlib import dates as mdates
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ketaclinic.core import DomainInputError

from .cohort import ResponderRate
from .events import POST_INFUSION, InfusionEvent
from .patient import PatientOutcome
from .responders import Threshold, fiqr_thresholds, pain_thresholds
from .statistics import KaplanMeier, MeanEstimate
from .trajectories import Trajectory

IMAGE_FORMATS = ("png", "svg")
SCORE = "#1f5fa8"
AFTER_INFUSION = "#c2410c"
INFUSION = "#7e22ce"
THRESHOLD = "#15803d"
MUTED = "#6b7280"
MAX_DOSE_LABELS = 12


@dataclass(frozen=True)
class Scale:
    """How to draw an instrument: its title and the range of its total."""

    title: str
    low: float
    high: float


def _render(figure: Figure, image_format: str, dpi: int) -> bytes:
    if image_format not in IMAGE_FORMATS:
        raise DomainInputError("image_format", f"must be one of {', '.join(IMAGE_FORMATS)}")
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    metadata = {"Date": None} if image_format == "svg" else {}
    figure.savefig(buffer, format=image_format, dpi=dpi, metadata=metadata)
    return buffer.getvalue()


def _x(moment: datetime, zone: tzinfo) -> float:
    """A time as matplotlib's date number (days), in the reader's zone."""
    return float(mdates.date2num(moment.astimezone(zone).replace(tzinfo=None)))


def trajectory_plot(
    outcome: PatientOutcome,
    scales: Mapping[str, Scale],
    zone: tzinfo,
    *,
    image_format: str = "svg",
    dpi: int = 110,
) -> bytes:
    """One small panel per shown instrument with scores (post-infusion scores hollow), the
    baseline dashed, responder thresholds dotted and infusions as vertical lines."""
    shown = [t for t in outcome.trajectories if t.points]
    if not shown:
        raise DomainInputError("outcome", "no scores to plot")
    columns = 2 if len(shown) > 1 else 1
    rows = math.ceil(len(shown) / columns)
    figure = Figure(figsize=(10, 2.3 * rows + 0.4), layout="constrained")
    every = [
        *(_x(p.completed_at, zone) for t in shown for p in t.points),
        *(_x(i.started_at, zone) for i in outcome.infusions),
    ]
    span = (min(every), max(every))
    axes_list = figure.subplots(rows, columns, squeeze=False, sharex=True).flatten()
    for axes, trajectory in zip(axes_list, shown, strict=False):
        _trajectory_panel(axes, trajectory, outcome, scales, zone)
        axes.set_xlim(*_padded(span))
    for axes in axes_list[len(shown) :]:
        axes.set_visible(False)
    locator = mdates.AutoDateLocator(maxticks=6)
    for axes in axes_list:
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    return _render(figure, image_format, dpi)


def _padded(span: tuple[float, float]) -> tuple[float, float]:
    start, end = span
    pad = max((end - start) / 20, 1.0)
    return start - pad, end + pad


def _trajectory_panel(
    axes: Axes,
    trajectory: Trajectory,
    outcome: PatientOutcome,
    scales: Mapping[str, Scale],
    zone: tzinfo,
) -> None:
    scale = scales.get(trajectory.instrument_id, Scale(trajectory.instrument_id, 0, 10))
    rules = outcome.rules
    between = [p for p in trajectory.points if p.context != POST_INFUSION]
    after = trajectory.with_context(POST_INFUSION)
    axes.plot(
        [_x(p.completed_at, zone) for p in between],
        [p.total for p in between],
        color=SCORE,
        marker="o",
        markersize=4,
        linewidth=1.6,
        label="score",
    )
    if after:
        axes.plot(
            [_x(p.completed_at, zone) for p in after],
            [p.total for p in after],
            linestyle="none",
            marker="o",
            markersize=5,
            markerfacecolor="white",
            markeredgecolor=AFTER_INFUSION,
            label="after an infusion",
        )
    baseline = trajectory.baseline
    if baseline is not None:
        axes.axhline(baseline.total, color=MUTED, linestyle="--", linewidth=1, label="baseline")
        thresholds: tuple[Threshold, ...] = ()
        if trajectory.instrument_id == rules.pain_instrument:
            thresholds = pain_thresholds(rules)
        elif trajectory.instrument_id == rules.fiqr_instrument:
            thresholds = fiqr_thresholds(rules)
        for threshold in thresholds:
            level = baseline.total * (1 - threshold.percent.value / 100)
            axes.axhline(level, color=THRESHOLD, linestyle=":", linewidth=1)
            axes.annotate(
                f"−{threshold.percent.value:g} % {threshold.category}",
                (1, level),
                xycoords=("axes fraction", "data"),
                xytext=(-2, 2),
                textcoords="offset points",
                ha="right",
                fontsize=7,
                color=THRESHOLD,
            )
    for infusion in outcome.infusions:
        axes.axvline(_x(infusion.started_at, zone), color=INFUSION, alpha=0.35, linewidth=1)
    if trajectory.instrument_id == rules.pain_instrument:
        _dose_labels(axes, outcome.infusions, zone)
    axes.set_ylim(scale.low, scale.high + (scale.high - scale.low) * 0.08)
    axes.set_title(scale.title, fontsize=9, loc="left")
    axes.tick_params(labelsize=7)
    axes.grid(alpha=0.25)


def _dose_labels(axes: Axes, infusions: Sequence[InfusionEvent], zone: tzinfo) -> None:
    if not infusions or len(infusions) > MAX_DOSE_LABELS:
        return
    for infusion in infusions:
        axes.annotate(
            f"{infusion.dose_mg:g} mg",
            (_x(infusion.started_at, zone), 1),
            xycoords=("data", "axes fraction"),
            xytext=(2, -9),
            textcoords="offset points",
            fontsize=6,
            color=INFUSION,
            rotation=90,
            va="top",
        )


@dataclass(frozen=True)
class ChangeRow:
    """An instrument's mean change, drawn in % of its scale's range so that scales of
    different lengths (0-10, 0-100) share one axis."""

    label: str
    estimate: MeanEstimate
    scale_range: float


def cohort_plot(
    rates: Sequence[tuple[str, ResponderRate]],
    changes: Sequence[ChangeRow],
    curve: KaplanMeier,
    *,
    image_format: str = "svg",
    dpi: int = 110,
) -> bytes:
    """Responder rates (each with its label) with Wilson 95 % intervals, mean change from
    baseline with t intervals, and the durability Kaplan-Meier curve with its band."""
    figure = Figure(figsize=(11, 3.4), layout="constrained")
    left, middle, right = figure.subplots(1, 3)
    _rates_panel(left, rates)
    _changes_panel(middle, changes)
    _durability_panel(right, curve)
    return _render(figure, image_format, dpi)


def _empty(axes: Axes, message: str) -> None:
    axes.text(0.5, 0.5, message, ha="center", va="center", fontsize=9, color=MUTED, wrap=True)
    axes.set_xticks([])
    axes.set_yticks([])


def _rates_panel(axes: Axes, rates: Sequence[tuple[str, ResponderRate]]) -> None:
    axes.set_title("Responders (Wilson 95 % CI)", fontsize=9, loc="left")
    labels = {id(r): label for label, r in rates}
    shown = [
        (r, r.proportion.rate, r.proportion.interval)
        for _, r in rates
        if r.proportion.rate is not None and r.proportion.interval is not None
    ]
    if not shown:
        _empty(axes, "no patient with a baseline\nand a follow-up score")
        return
    values = [100 * rate for _, rate, _ in shown]
    errors = [
        [100 * (rate - ci.low) for _, rate, ci in shown],
        [100 * (ci.high - rate) for _, rate, ci in shown],
    ]
    positions = list(range(len(shown)))
    axes.barh(positions, values, xerr=errors, color=SCORE, alpha=0.8, capsize=3)
    for position, value, (rate, _, _) in zip(positions, values, shown, strict=True):
        axes.annotate(
            f"{rate.proportion.successes}/{rate.proportion.n}",
            (value, position),
            xytext=(3, 5),
            textcoords="offset points",
            fontsize=7,
            color=MUTED,
        )
    axes.set_yticks(positions, [labels[id(rate)] for rate, _, _ in shown], fontsize=7)
    axes.set_xlim(0, 100)
    axes.set_xlabel("% of assessable patients", fontsize=8)
    axes.invert_yaxis()
    axes.tick_params(labelsize=7)


def _changes_panel(axes: Axes, changes: Sequence[ChangeRow]) -> None:
    axes.set_title("Mean change (t 95 % CI)", fontsize=9, loc="left")
    shown = [row for row in changes if row.estimate.mean is not None and row.scale_range > 0]
    if not shown:
        _empty(axes, "no patient with a baseline\nand a follow-up score")
        return
    positions = list(range(len(shown)))
    for position, row in zip(positions, shown, strict=True):
        estimate, per = row.estimate, 100 / row.scale_range
        mean = (estimate.mean or 0.0) * per
        if estimate.interval is not None:
            axes.errorbar(
                mean,
                position,
                xerr=[[mean - estimate.interval.low * per], [estimate.interval.high * per - mean]],
                fmt="o",
                color=SCORE,
                capsize=3,
                markersize=4,
            )
        else:
            axes.plot(mean, position, "o", color=MUTED, markersize=4)
    axes.axvline(0, color=MUTED, linewidth=1)
    axes.set_yticks(positions, [f"{row.label} (n={row.estimate.n})" for row in shown], fontsize=7)
    axes.set_xlabel("% of the scale's range (below 0 = better)", fontsize=8)
    axes.invert_yaxis()
    axes.tick_params(labelsize=7)


def _durability_panel(axes: Axes, curve: KaplanMeier) -> None:
    axes.set_title("Durability: pain not back yet", fontsize=9, loc="left")
    if curve.n == 0:
        _empty(axes, "no infusions with a later\npain score recorded")
        return
    times = [0.0, *curve.times]
    axes.step(times, [1.0, *curve.survival], where="post", color=SCORE, linewidth=1.6)
    if curve.times:
        axes.fill_between(
            times, [1.0, *curve.low], [1.0, *curve.high], step="post", color=SCORE, alpha=0.15
        )
    axes.set_ylim(0, 1.05)
    axes.set_xlabel(
        f"days since the last infusion (n={curve.n}, returned={curve.events})", fontsize=8
    )
    axes.tick_params(labelsize=7)
    axes.grid(alpha=0.25)
