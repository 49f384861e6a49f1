"""Exact ketamine pharmacokinetics: any regimen and route, virtual populations, TCI, plots.

Pure: numpy and scipy only (matplotlib for ``render_plot``), no Django, no I/O beyond this
package's data files, no clock. Typical use::

    regimen = parse_regimen(json.loads(text))
    result = simulate(regimen, weight_kg=70)          # curves + summary + warnings
    png = render_plot([result])

See docs/pharmacology.md for the models, routes, schemas and limits.
"""

from .errors import PharmacologyError
from .inputs import InputSchedule, build_schedule, regimen_schedule
from .landmarks import Landmark, landmarks, summary_threshold
from .models import Disposition, Model, get_model, models, typical_disposition
from .modes import Modes, modes
from .population import (
    MAX_PATIENTS,
    PopulationSimulation,
    percentile_bands,
    sample_disposition,
    simulate_population,
)
from .regimen import Dose, Regimen, parse_regimen
from .routes import Route, RouteDefaults, routes
from .simulation import Simulation, default_model_name, simulate, time_grid
from .solution import Solution
from .summary import Summary
from .tci import TciPlan, plan_tci, tci_settings

__all__ = [
    "MAX_PATIENTS",
    "Disposition",
    "Dose",
    "InputSchedule",
    "Landmark",
    "Model",
    "Modes",
    "PharmacologyError",
    "PopulationSimulation",
    "Regimen",
    "Route",
    "RouteDefaults",
    "Simulation",
    "Solution",
    "Summary",
    "TciPlan",
    "build_schedule",
    "default_model_name",
    "get_model",
    "landmarks",
    "models",
    "modes",
    "parse_regimen",
    "percentile_bands",
    "plan_tci",
    "regimen_schedule",
    "render_plot",
    "routes",
    "sample_disposition",
    "simulate",
    "simulate_population",
    "summary_threshold",
    "tci_settings",
    "time_grid",
    "typical_disposition",
]


def __getattr__(name: str) -> object:
    # matplotlib loads only when a plot is drawn, so simulations stay light to import.
    if name == "render_plot":
        from .plot import render_plot

        return render_plot
    raise AttributeError(name)
