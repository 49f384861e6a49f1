"""``ketaclinic dose``: compute a session dose and check it against the safety limits."""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING, Any

from .base import (
    SafetyLimitError,
    Subparsers,
    UsageError,
    add_format_option,
    print_json,
    print_table,
)
from .protocols import plain_rows

if TYPE_CHECKING:
    from ketaclinic.dosing import DoseResult


def register(commands: Subparsers) -> None:
    parser = commands.add_parser(
        "dose",
        help="compute a session dose: weight policy, mg, mL, mL/h, limit checks",
        description="Exit 3 when a hard limit blocks the dose, 2 on bad input.",
    )
    parser.add_argument("--protocol", required=True, metavar="ID", help="protocol id")
    parser.add_argument("--weight-kg", required=True, metavar="W", help="actual body weight")
    parser.add_argument("--height-cm", metavar="H", help="needed by ideal/adjusted policies")
    parser.add_argument("--sex", choices=("female", "male"), help="for ideal body weight")
    parser.add_argument(
        "--concentration-mg-per-ml", metavar="C", help="a formulary concentration for the route"
    )
    parser.add_argument("--dose-mg-per-kg", metavar="D", help="personalised dose (mg/kg)")
    parser.add_argument("--dose-mg", metavar="D", help="personalised fixed dose (mg)")
    parser.add_argument("--duration-min", metavar="T", help="personalised infusion duration")
    parser.add_argument(
        "--series-given-mg", metavar="M", default="0", help="mg already given in this series"
    )
    add_format_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ketaclinic.core import DomainInputError
    from ketaclinic.dosing import DoseRequest, calculate_dose

    request = DoseRequest(
        protocol_id=args.protocol,
        weight_kg=_number(args.weight_kg, "--weight-kg"),
        height_cm=_optional(args.height_cm, "--height-cm"),
        sex=args.sex,
        concentration_mg_per_ml=_optional(
            args.concentration_mg_per_ml, "--concentration-mg-per-ml"
        ),
        dose_mg_per_kg=_optional(args.dose_mg_per_kg, "--dose-mg-per-kg"),
        dose_mg=_optional(args.dose_mg, "--dose-mg"),
        duration_min=_optional(args.duration_min, "--duration-min"),
    )
    try:
        result = calculate_dose(
            request, series_dose_mg_given=_number(args.series_given_mg, "--series-given-mg")
        )
    except DomainInputError as error:
        raise UsageError(error.field, error.message) from error
    if result.blocked:
        raise SafetyLimitError(
            "hard limit exceeded, dose blocked: "
            + "; ".join(check.describe() for check in result.hard_exceeded)
        )
    if args.format == "json":
        print_json(_rounded(result.as_dict()))
    else:
        _print_tables(result)
    return 0


def _number(text: str, option: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(option, f"must be a number, got {text!r}") from None
    if not math.isfinite(value):
        raise UsageError(option, f"must be a finite number, got {text!r}")
    return value


def _optional(text: str | None, option: str) -> float | None:
    return None if text is None else _number(text, option)


def _rounded(data: Any) -> Any:
    """Floats rounded to 4 decimals for display; the domain keeps full precision."""
    if isinstance(data, float):
        return round(data, 4)
    if isinstance(data, dict):
        return {key: _rounded(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_rounded(value) for value in data]
    return data


def _print_tables(result: DoseResult) -> None:
    summary = _rounded(result.as_dict())
    rows = [
        {"quantity": key, "value": value}
        for key, value in summary.items()
        if key not in ("limit_checks", "warnings")
    ]
    rows.append({"quantity": "concentration_mg_per_ml", "value": result.concentration_mg_per_ml})
    print_table(rows, ("quantity", "value"), title=f"Dose for {result.protocol_id}")
    checks = [
        {**check.as_dict(), "bounds": check.limit_range.bounds_text(), "detail": check.describe()}
        for check in result.limit_checks
    ]
    columns = ("limit", "value", "status", "bounds", "detail")
    print_table(plain_rows(checks), columns, title="Limit checks")
    print("Preparation:")
    for step in result.preparation.steps:
        print(f"  - {step}")
    for warning in result.warnings:
        print(f"Warning: {warning}")
