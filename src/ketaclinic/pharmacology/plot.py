"""Concentration-time plots as PNG or SVG bytes (matplotlib, Agg canvas, no display)."""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .errors import PharmacologyError
from .landmarks import landmarks
from .population import PopulationSimulation
from .simulation import Simulation

IMAGE_FORMATS = ("png", "svg")
_COLOURS = ("#1f5fa8", "#c2410c", "#15803d", "#7e22ce", "#a16207", "#0e7490")
_BAND_COLOURS = {"analgesia": "#16a34a", "dissociation": "#9333ea", "awakening": "#dc2626"}
_HOURS_FROM_MIN = 24 * 60.0


def render_plot(
    curves: Sequence[Simulation | PopulationSimulation],
    *,
    labels: Sequence[str] | None = None,
    image_format: str = "png",
    title: str = "",
    effect_site: bool = True,
    width_in: float = 9.0,
    height_in: float = 5.0,
    dpi: int = 110,
) -> bytes:
    """One figure with every curve (plasma solid, effect site dashed, population 5-95 %
    bands shaded with the median dotted) over the literature's landmark bands."""
    if image_format not in IMAGE_FORMATS:
        raise PharmacologyError("image_format", f"must be one of {', '.join(IMAGE_FORMATS)}")
    if not curves:
        raise PharmacologyError("curves", "nothing to plot")
    if labels is not None and len(labels) != len(curves):
        raise PharmacologyError("labels", "give one label per curve")
    names = list(labels) if labels is not None else [_default_label(c) for c in curves]
    horizon = max(float(_typical(c).time_min[-1]) for c in curves)
    in_hours = horizon > _HOURS_FROM_MIN
    scale = 1 / 60 if in_hours else 1.0

    figure = Figure(figsize=(width_in, height_in), dpi=dpi, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    top = 0.0
    for index, (curve, name) in enumerate(zip(curves, names, strict=True)):
        colour = _COLOURS[index % len(_COLOURS)]
        typical = _typical(curve)
        time = typical.time_min * scale
        if isinstance(curve, PopulationSimulation):
            bands = curve.percentiles_mg_per_l
            keys = sorted(bands, key=float)
            lowest, highest = bands[keys[0]], bands[keys[-1]]
            axes.fill_between(
                time,
                lowest,
                highest,
                color=colour,
                alpha=0.18,
                linewidth=0,
                label=f"{name}: {keys[0]}th-{keys[-1]}th percentile (N={curve.n_patients})",
            )
            if "50" in bands:
                axes.plot(
                    time,
                    bands["50"],
                    color=colour,
                    linestyle=":",
                    linewidth=1.2,
                    label=f"{name}: median",
                )
            top = max(top, float(np.max(highest)))
        axes.plot(
            time, typical.plasma_mg_per_l, color=colour, linewidth=1.8, label=f"{name}: plasma"
        )
        top = max(top, float(np.max(typical.plasma_mg_per_l)))
        if effect_site and typical.effect_site_mg_per_l is not None:
            axes.plot(
                time,
                typical.effect_site_mg_per_l,
                color=colour,
                linestyle="--",
                linewidth=1.2,
                label=f"{name}: effect site",
            )
    top = 1.15 * top if top > 0 else 1.0
    for landmark in landmarks():
        low, high = landmark.low_mg_per_l.value, landmark.high_mg_per_l.value
        if low < top:
            axes.axhspan(
                low,
                min(high, top),
                color=_BAND_COLOURS.get(landmark.key, "#6b7280"),
                alpha=0.10,
                linewidth=0,
                label=f"{landmark.label} {low:g}-{high:g} mg/L ({landmark.citation})",
            )
    axes.set_ylim(0, top)
    axes.set_xlim(0, horizon * scale)
    axes.set_xlabel("time (h)" if in_hours else "time (min)")
    axes.set_ylabel("concentration (mg/L)")
    axes.grid(True, alpha=0.3)
    axes.set_title(title or "Predicted ketamine concentration", fontsize=11)
    figure.legend(loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    buffer = io.BytesIO()
    # A fixed salt and no date: the same input gives the same bytes.
    with rc_context({"svg.hashsalt": "ketaclinic"}):
        figure.savefig(buffer, format=image_format, metadata=_metadata(image_format))
    return buffer.getvalue()


def _typical(curve: Simulation | PopulationSimulation) -> Simulation:
    return curve.typical if isinstance(curve, PopulationSimulation) else curve


def _default_label(curve: Simulation | PopulationSimulation) -> str:
    typical = _typical(curve)
    return f"{typical.model}, {typical.weight_kg:g} kg"


def _metadata(image_format: str) -> dict[str, str | None]:
    return {"Date": None} if image_format == "svg" else {}
