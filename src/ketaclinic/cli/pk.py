"""``ketaclinic pk``: simulate a regimen, plan a target-controlled infusion, list the models.

Pure computation: no database. See docs/pharmacology.md for the regimen file and the JSON
output schemas.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .base import Subparsers, UsageError, add_format_option, print_json, print_table

# Engine field names that are command-line options of their own.
_OPTIONS = {
    "weight_kg": "--weight-kg",
    "age_years": "--age-years",
    "model": "--model",
    "until_min": "--until-min",
    "step_min": "--step-min",
    "n_patients": "--population",
    "seed": "--seed",
    "target_mg_per_l": "--target-mg-per-l",
    "duration_min": "--duration-min",
    "interval_s": "--interval-s",
    "max_rate_mg_per_min": "--max-rate-mg-per-min",
    "cp_limit_ratio": "--cp-limit-ratio",
}


def register(commands: Subparsers) -> None:
    parser = commands.add_parser(
        "pk", help="pharmacokinetics: simulate a regimen, plan a TCI, list the models"
    )
    actions = parser.add_subparsers(dest="pk_command", metavar="ACTION", required=True)

    simulate = actions.add_parser("simulate", help="plasma (and effect-site) curves of a regimen")
    simulate.add_argument("--regimen", required=True, type=Path, metavar="FILE.json")
    simulate.add_argument("--weight-kg", required=True, type=float)
    simulate.add_argument("--age-years", type=float, help="checked against the model's range")
    simulate.add_argument("--model", help="parameter set (default: the routes' pairing)")
    simulate.add_argument("--until-min", type=float, help="horizon (default: 4 h after dosing)")
    simulate.add_argument("--step-min", type=float, help="time step (default 1 min)")
    simulate.add_argument("--population", type=int, metavar="N", help="virtual patients")
    simulate.add_argument("--seed", type=int, help="random seed for --population (default 0)")
    simulate.add_argument("--plot", type=Path, metavar="OUT.png|OUT.svg")
    add_format_option(simulate)

    tci = actions.add_parser("tci", help="target-controlled infusion rate schedule")
    tci.add_argument("--target-mg-per-l", required=True, type=float)
    tci.add_argument("--duration-min", required=True, type=float)
    tci.add_argument("--weight-kg", required=True, type=float)
    tci.add_argument("--age-years", type=float, help="checked against the model's range")
    tci.add_argument("--model", help="parameter set (default domino_1982)")
    tci.add_argument("--effect-site", action="store_true", help="target the effect site")
    tci.add_argument("--interval-s", type=float, help="pump update interval (default 10 s)")
    tci.add_argument("--max-rate-mg-per-min", type=float, help="pump limit (default none)")
    tci.add_argument(
        "--cp-limit-ratio", type=float, help="effect-site: cap Cp at this x target (default 1.2)"
    )
    add_format_option(tci)

    listing = actions.add_parser("models", help="parameter sets and routes with their sources")
    add_format_option(listing)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ketaclinic.pharmacology import PharmacologyError

    handlers = {"simulate": _simulate, "tci": _tci, "models": _models}
    try:
        return handlers[args.pk_command](args)
    except PharmacologyError as error:
        option = _OPTIONS.get(error.field)
        if option is None:
            raise UsageError(error.field, error.message) from None
        raise UsageError(option, error.message) from None


def _simulate(args: argparse.Namespace) -> int:
    from ketaclinic.pharmacology import (
        PharmacologyError,
        parse_regimen,
        simulate,
        simulate_population,
    )

    if args.seed is not None and args.population is None:
        raise UsageError("--seed", "only with --population")
    if args.plot is not None and args.plot.suffix.lower() not in (".png", ".svg"):
        raise UsageError("--plot", "the file name must end in .png or .svg")
    try:
        data = json.loads(args.regimen.read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError("--regimen", f"cannot read it ({error.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UsageError("--regimen", f"not a JSON file ({error})") from None
    try:
        regimen = parse_regimen(data)
    except PharmacologyError as error:
        raise UsageError("--regimen", str(error)) from None
    options: dict[str, Any] = {
        "model": args.model,
        "until_min": args.until_min,
        "step_min": args.step_min,
        "age_years": args.age_years,
    }
    if args.population is None:
        result: Any = simulate(regimen, args.weight_kg, **options)
        typical = result
    else:
        seed = 0 if args.seed is None else args.seed
        result = simulate_population(regimen, args.weight_kg, args.population, seed, **options)
        typical = result.typical
    _warn(typical.warnings)
    if args.plot is not None:
        from ketaclinic.pharmacology.plot import render_plot

        image = render_plot([result], image_format=args.plot.suffix.lower()[1:])
        try:
            args.plot.write_bytes(image)
        except OSError as error:
            raise UsageError("--plot", f"cannot write it ({error.strerror})") from None
    data = result.as_dict()
    if args.format == "json":
        print_json(data)
        return 0
    _print_summary(data["summary"], f"{typical.model} (version {typical.model_version})")
    columns = ["time_min", "plasma_mg_per_l"]
    if "effect_site_mg_per_l" in data:
        columns.append("effect_site_mg_per_l")
    bands = data.get("percentiles", {})
    rows = []
    for j in range(len(data["time_min"])):
        row = {column: data[column][j] for column in columns}
        row.update({f"p{key}_mg_per_l": band[j] for key, band in bands.items()})
        rows.append(row)
    print_table(rows, columns + [f"p{key}_mg_per_l" for key in bands])
    return 0


def _tci(args: argparse.Namespace) -> int:
    from ketaclinic.pharmacology import plan_tci

    plan = plan_tci(
        args.target_mg_per_l,
        args.duration_min,
        args.weight_kg,
        model=args.model,
        effect_site=args.effect_site,
        interval_s=args.interval_s,
        max_rate_mg_per_min=args.max_rate_mg_per_min,
        cp_limit_ratio=args.cp_limit_ratio,
        age_years=args.age_years,
    )
    _warn(plan.warnings)
    data = plan.as_dict()
    if args.format == "json":
        print_json(data)
        return 0
    columns = ["time_min", "rate_mg_per_min", "target_mg_per_l", "plasma_mg_per_l"]
    if "effect_site_mg_per_l" in data:
        columns.append("effect_site_mg_per_l")
    rows = [{c: data[c][j] for c in columns} for j in range(len(data["time_min"]))]
    title = f"TCI, {data['targeting']} targeting, {data['model']}: {plan.total_dose_mg:.4g} mg"
    print_table(rows, columns, title=title)
    return 0


def _models(args: argparse.Namespace) -> int:
    from ketaclinic.pharmacology import models, routes

    if args.format == "json":
        print_json(
            {
                "models": [model.as_dict() for model in models().values()],
                "routes": [route.as_dict() for route in routes().values()],
            }
        )
        return 0
    rows = [
        {
            "name": m.name,
            "version": m.version,
            "compartments": m.compartments,
            "ke0_per_min": None if m.ke0_per_min is None else m.ke0_per_min.value,
            "weight_kg": f"{m.weight_kg.min:g}-{m.weight_kg.max:g}",
            "outside range": m.extrapolation,
        }
        for m in models().values()
    ]
    title = "Parameter sets (citations and sources: --format json)"
    print_table(rows, list(rows[0]), title=title)
    return 0


def _print_summary(summary: dict[str, Any], title: str) -> None:
    rows = [{"quantity": k, "value": v} for k, v in summary.items() if k != "infusion_ends"]
    for end in summary["infusion_ends"]:
        quantity = f"plasma at end of infusion ({end['end_min']:g} min)"
        rows.append({"quantity": quantity, "value": end["plasma_mg_per_l"]})
    print_table(rows, ["quantity", "value"], title=title)


def _warn(warnings: tuple[str, ...]) -> None:
    for warning in warnings:
        print(f"ketaclinic pk: WARNING: {warning}", file=sys.stderr)
