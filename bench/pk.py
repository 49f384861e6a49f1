"""Pharmacokinetics benchmark (issue 3): this engine against scipy solve_ivp and PyTCI,
side by side in one run, on the same regimens, each method's accuracy reported beside its time.

    .venv/bin/python bench/pk.py [--repeats 5] [--peer-patients 100]

Cases (Domino 1982, 70 kg, 0.5 mg/kg over 40 min):
  1. one patient, 0-240 min at 1-s resolution (14,401 times);
  2. 10,000 virtual patients (30 % log-normal BSV on every volume and clearance), 0-240 min at
     1-min resolution, with 5/50/95th percentile bands;
  3. 10,000 patients, six infusions over 14 days (days 0, 2, 4, 7, 9, 11), 1-min resolution
     (20,161 times), with bands; peak memory measured in a fresh process.
Peers: solve_ivp DOP853 (rtol 1e-10, atol 1e-12), restarted at every input change; PyTCI 1.2
in exact mode with the Domino parameters, one giveoverseconds() call per output step. For the
population cases the peers run --peer-patients patients and their time is scaled to 10,000
(marked "extrapolated"). Accuracy: largest error relative to the peak against an independent
reference (scipy expm of the augmented system at every output time).

Prints a Markdown section for docs/PERFORMANCE.md and writes bench/out/pk.json and
bench/out/pk_population.png.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import scipy
from scipy.integrate import solve_ivp
from scipy.linalg import expm

from ketaclinic.pharmacology import (
    Disposition,
    Dose,
    InputSchedule,
    Route,
    Solution,
    get_model,
    modes,
    percentile_bands,
    regimen_schedule,
    sample_disposition,
    simulate,
    simulate_population,
    typical_disposition,
)

OUT = Path(__file__).parent / "out"
WEIGHT_KG = 70.0
PATIENTS = 10_000
SEED = 1
MODEL = get_model("domino_1982")
KE0 = 0.238
INFUSION = (Dose(Route.IV_INFUSION, dose_mg_per_kg=0.5, duration_min=40),)
SERIES_DAYS = (0, 2, 4, 7, 9, 11)
SERIES = tuple(
    Dose(Route.IV_INFUSION, start_min=day * 1440.0, dose_mg_per_kg=0.5, duration_min=40)
    for day in SERIES_DAYS
)
FOUR_HOURS_1S = np.arange(240 * 60 + 1) / 60
FOUR_HOURS_1MIN = np.arange(241.0)
FOURTEEN_DAYS_1MIN = np.arange(14 * 1440 + 1.0)


def timed(function: Callable[[], Any], repeats: int) -> tuple[float, float, Any]:
    """Median and best wall time (s) of ``repeats`` runs, and the last result."""
    seconds, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), min(seconds), result


# --- the system, written out for the peers and the reference -----------------------------


def micro_constants(d: Disposition, patient: int) -> dict[str, float]:
    v1, v2, v3 = d.volumes_l[:, patient]
    q2, q3 = d.intercompartmental_l_per_min[:, patient]
    cl = d.clearance_l_per_min[patient]
    return {
        "v1": v1,
        "k10": cl / v1,
        "k12": q2 / v1,
        "k13": q3 / v1,
        "k21": q2 / v2,
        "k31": q3 / v3,
    }


def system_matrix(k: dict[str, float]) -> np.ndarray:
    """Amounts in V1, V2, V3 (mg)."""
    return np.array(
        [
            [-(k["k10"] + k["k12"] + k["k13"]), k["k21"], k["k31"]],
            [k["k12"], -k["k21"], 0.0],
            [k["k13"], 0.0, -k["k31"]],
        ]
    )


def reference_plasma(k: dict[str, float], schedule: InputSchedule, times: np.ndarray) -> np.ndarray:
    """Cp from the matrix exponential of the input-augmented system at every time."""
    augmented = np.zeros((4, 4))
    augmented[:3, :3] = system_matrix(k)
    augmented[0, 3] = 1.0  # the fourth state holds the infusion rate
    starts = [*schedule.starts_min, np.inf]
    state = np.zeros(4)
    plasma = np.empty(len(times))
    for s in range(len(schedule.starts_min)):
        state[3] = schedule.rate_mg_per_min[s]
        inside = np.flatnonzero((times >= starts[s]) & (times < starts[s + 1]))
        for i in inside:
            plasma[i] = (expm(augmented * (times[i] - starts[s])) @ state)[0] / k["v1"]
        if np.isfinite(starts[s + 1]):
            state = expm(augmented * (starts[s + 1] - starts[s])) @ state
    return plasma


def solve_ivp_plasma(k: dict[str, float], schedule: InputSchedule, times: np.ndarray) -> np.ndarray:
    """DOP853 (rtol 1e-10, atol 1e-12) restarted at every input change."""
    matrix = system_matrix(k)
    starts = [*schedule.starts_min, times[-1]]
    state = np.zeros(3)
    plasma = np.empty(len(times))
    for s in range(len(schedule.starts_min)):
        end = max(starts[s + 1], starts[s])
        inside = (times >= starts[s]) & ((times < end) | (s == len(starts) - 2))
        if end <= starts[s]:
            continue
        inflow = np.array([schedule.rate_mg_per_min[s], 0.0, 0.0])
        evaluated = np.union1d(times[inside], [end])
        solution = solve_ivp(
            lambda _t, x, inflow=inflow: matrix @ x + inflow,
            (starts[s], end),
            state,
            method="DOP853",
            rtol=1e-10,
            atol=1e-12,
            t_eval=evaluated,
        )
        plasma[inside] = solution.y[0, np.searchsorted(evaluated, times[inside])] / k["v1"]
        state = solution.y[:, -1]
    return plasma


def pytci_plasma(k: dict[str, float], schedule: InputSchedule, times: np.ndarray) -> np.ndarray:
    """PyTCI exact mode: one giveoverseconds() call per output step, recording Cp (x1)."""
    from PyTCI.models.base import Three

    class Domino(Three):
        def __init__(self) -> None:
            self.v1 = k["v1"]
            self.k10, self.k12, self.k13 = k["k10"], k["k12"], k["k13"]
            self.k21, self.k31 = k["k21"], k["k31"]
            self.keo = KE0
            self.setup()
            self.set_integrator("exact")

    model = Domino()
    step_s = round((times[1] - times[0]) * 60)
    rates = schedule.rate_mg_per_min[np.searchsorted(schedule.starts_min, times[:-1], "right") - 1]
    plasma = np.empty(len(times))
    plasma[0] = model.x1
    for i, rate in enumerate(rates, start=1):
        plasma[i] = model.giveoverseconds(rate / 60, step_s)
    return plasma


def error(values: np.ndarray, reference: np.ndarray) -> float:
    return float(np.max(np.abs(values - reference)) / np.max(np.abs(reference)))


# --- cases -----------------------------------------------------------------------------


def one_patient(repeats: int) -> dict[str, Any]:
    schedule, _ = regimen_schedule(INFUSION, WEIGHT_KG)
    disposition = typical_disposition(MODEL, WEIGHT_KG)
    k = micro_constants(disposition, 0)
    times = FOUR_HOURS_1S
    reference = reference_plasma(k, schedule, times)

    def engine() -> np.ndarray:
        return Solution(modes(typical_disposition(MODEL, WEIGHT_KG)), schedule).plasma(times)[:, 0]

    rows = {}
    for name, function, runs in (
        ("engine: Solution(...).plasma (Cp only)", engine, repeats * 20),
        ("solve_ivp DOP853", lambda: solve_ivp_plasma(k, schedule, times), repeats),
        ("PyTCI exact, 1-s loop", lambda: pytci_plasma(k, schedule, times), repeats),
    ):
        median, best, plasma = timed(function, runs)
        rows[name] = {"median_s": median, "best_s": best, "error": error(plasma, reference)}
    median, best, result = timed(
        lambda: simulate(INFUSION, WEIGHT_KG, until_min=240, step_min=1 / 60), repeats * 4
    )
    rows["engine: simulate() (Cp, Ce, exact summary)"] = {
        "median_s": median,
        "best_s": best,
        "error": error(result.plasma_mg_per_l, reference),
    }
    return {"times": len(times), "rows": rows}


def population(
    regimen: tuple[Dose, ...], times: np.ndarray, repeats: int, peer_patients: int
) -> dict[str, Any]:
    schedule, _ = regimen_schedule(regimen, WEIGHT_KG)
    until, step = float(times[-1]), float(times[1] - times[0])

    def engine() -> Any:
        return simulate_population(
            regimen, WEIGHT_KG, PATIENTS, SEED, until_min=until, step_min=step
        )

    median, best, result = timed(engine, repeats)
    cv = {name: value.value for name, value in MODEL.variability_cv.items()}
    disposition = sample_disposition(MODEL, WEIGHT_KG, PATIENTS, SEED, cv)
    solution = Solution(modes(disposition), schedule)
    bands_median, bands_best, _ = timed(lambda: percentile_bands(solution, times), repeats)
    rows: dict[str, Any] = {
        "engine: simulate_population()": {"median_s": median, "best_s": best},
        "engine: percentile_bands() alone": {"median_s": bands_median, "best_s": bands_best},
    }
    # The peers on the first patients, checked (and the engine with them) against expm.
    subset = range(peer_patients)
    first = Disposition(
        disposition.volumes_l[:, :peer_patients],
        disposition.clearance_l_per_min[:peer_patients],
        disposition.intercompartmental_l_per_min[:, :peer_patients],
        disposition.ke0_per_min,
    )
    engine_curves = Solution(modes(first), schedule).plasma(times)
    errors: dict[str, float] = {"engine": 0.0, "solve_ivp DOP853": 0.0, "PyTCI exact": 0.0}
    checked = range(min(5, peer_patients))
    for name, method in (("solve_ivp DOP853", solve_ivp_plasma), ("PyTCI exact", pytci_plasma)):
        start = time.perf_counter()
        curves = [method(micro_constants(disposition, p), schedule, times) for p in subset]
        elapsed = time.perf_counter() - start
        np.percentile(np.array(curves), [5, 50, 95], axis=0)
        rows[f"{name}, extrapolated from {peer_patients}"] = {
            "median_s": elapsed * PATIENTS / peer_patients,
            "best_s": elapsed * PATIENTS / peer_patients,
        }
        for p in checked:
            reference = reference_plasma(micro_constants(disposition, p), schedule, times)
            errors[name] = max(errors[name], error(curves[p], reference))
            errors["engine"] = max(errors["engine"], error(engine_curves[:, p], reference))
    return {
        "patients": PATIENTS,
        "times": len(times),
        "rows": rows,
        "errors_first_patients": errors,
        "result": result,
    }


def memory_case() -> dict[str, float]:
    """Run in a fresh process: peak memory of the 14-day population case."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    simulate_population(SERIES, WEIGHT_KG, PATIENTS, SEED, until_min=14 * 1440, step_min=1)
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "traced_peak_mb": traced / 2**20,
        "process_peak_rss_mb": peak / 1024,
        "rss_before_mb": before / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--peer-patients", type=int, default=100)
    parser.add_argument("--memory-case", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_case:
        print(json.dumps(memory_case()))
        return

    load_before = os.getloadavg()
    started = time.perf_counter()
    # First, while this process is small: a child inherits its parent's peak resident size.
    memory = json.loads(
        subprocess.run(
            [sys.executable, __file__, "--memory-case"], check=True, capture_output=True, text=True
        ).stdout
    )
    single = one_patient(args.repeats)
    four_hours = population(INFUSION, FOUR_HOURS_1MIN, args.repeats, args.peer_patients)
    fortnight = population(
        SERIES, FOURTEEN_DAYS_1MIN, max(1, args.repeats // 2), max(5, args.peer_patients // 5)
    )
    environment = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE"),
        "total_s": time.perf_counter() - started,
    }
    OUT.mkdir(exist_ok=True)
    from ketaclinic.pharmacology import render_plot

    (OUT / "pk_population.png").write_bytes(
        render_plot([four_hours.pop("result")], labels=["10,000 patients"])
    )
    fortnight.pop("result")
    report = {
        "environment": environment,
        "one_patient": single,
        "population_4h": four_hours,
        "population_14d": fortnight,
        "memory_14d": memory,
    }
    (OUT / "pk.json").write_text(json.dumps(report, indent=2))
    print(markdown(report))


def markdown(report: dict[str, Any]) -> str:
    env = report["environment"]
    lines = [
        f"Python {env['python']}, numpy {env['numpy']}, scipy {env['scipy']}, "
        f"{env['cores']} cores; load average {env['load_average_before'][0]:.2f} before, "
        f"{env['load_average_after'][0]:.2f} after; OPENBLAS_CORETYPE="
        f"{env['OPENBLAS_CORETYPE']}, OPENBLAS_L2_SIZE={env['OPENBLAS_L2_SIZE']}.",
        "",
    ]
    single = report["one_patient"]
    engine = single["rows"]["engine: Solution(...).plasma (Cp only)"]["median_s"]
    lines += [
        f"**One patient**, 0.5 mg/kg over 40 min, 0-240 min at 1 s ({single['times']:,} times):",
        "",
        "| method | median | best | error vs expm (of peak) | time / engine |",
        "|---|---|---|---|---|",
    ]
    for name, row in single["rows"].items():
        lines.append(
            f"| {name} | {row['median_s'] * 1e3:.3g} ms | {row['best_s'] * 1e3:.3g} ms | "
            f"{row['error']:.1e} | {row['median_s'] / engine:.3g}x |"
        )
    for key, title in (
        ("population_4h", "10,000 patients, 0-240 min at 1 min, 5/50/95th percentile bands"),
        ("population_14d", "10,000 patients, six infusions over 14 days at 1 min, bands"),
    ):
        case = report[key]
        engine = case["rows"]["engine: simulate_population()"]["median_s"]
        lines += [
            "",
            f"**{title}** ({case['times']:,} times):",
            "",
            "| method | median | time / engine |",
            "|---|---|---|",
        ]
        for name, row in case["rows"].items():
            lines.append(f"| {name} | {row['median_s']:.3g} s | {row['median_s'] / engine:.3g}x |")
        errors = ", ".join(
            f"{name} {value:.1e}" for name, value in case["errors_first_patients"].items()
        )
        lines += ["", f"Largest error (of peak) on the first patients against expm: {errors}."]
    memory = report["memory_14d"]
    lines += [
        "",
        "Peak memory of the 14-day case in a fresh process: "
        f"{memory['process_peak_rss_mb']:.0f} MB resident "
        f"(of which {memory['rss_before_mb']:.0f} MB before the call); "
        f"{memory['traced_peak_mb']:.0f} MB traced by tracemalloc during the call.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
