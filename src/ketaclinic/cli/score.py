"""``ketaclinic score``: score one completed instrument from a JSON file of answers."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .base import Subparsers, UsageError, add_format_option, print_json, print_table

# The keys printed, in order; docs/instruments.md describes each.
OUTPUT_KEYS = (
    "instrument",
    "version",
    "total",
    "subscores",
    "band",
    "valid",
    "invalid_reasons",
    "criteria",
    "alerts",
)


def register(commands: Subparsers) -> None:
    parser = commands.add_parser(
        "score", help="score an assessment instrument (PHQ-9, FIQR, ACR 2016, …) from answers"
    )
    parser.add_argument(
        "instrument", metavar="INSTRUMENT", help="instrument id (see: ketaclinic instruments list)"
    )
    parser.add_argument(
        "--answers",
        required=True,
        metavar="FILE.json",
        help="JSON object keyed by the definition's item ids; '-' reads standard input",
    )
    add_format_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ketaclinic.instruments import InstrumentError, score

    answers = read_answers_file(args.answers)
    try:
        result = score(args.instrument, answers)
    except InstrumentError as error:
        raise UsageError(error.field, error.message) from error
    scored = result.as_dict()
    output = {key: scored[key] for key in OUTPUT_KEYS}
    if args.format == "json":
        print_json(output)
    else:
        _print_tables(output)
    return 0


def read_answers_file(path: str) -> dict[str, Any]:
    """The JSON object in ``path`` (or standard input for ``-``); UsageError otherwise."""
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
    except OSError as error:
        raise UsageError("--answers", f"cannot read {path}: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise UsageError("--answers", f"{path} is not UTF-8 text") from error
    try:
        answers = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(
            "--answers",
            f"{path} is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}",
        ) from error
    if not isinstance(answers, dict):
        raise UsageError("--answers", f"{path} must hold a JSON object keyed by item id")
    return answers


def _print_tables(output: dict[str, Any]) -> None:
    band = output["band"]
    rows: list[dict[str, Any]] = [
        {"field": "instrument", "value": f"{output['instrument']} {output['version']}"},
        {"field": "total", "value": output["total"]},
        {"field": "band", "value": band["label"] if band else None},
        {"field": "valid", "value": "yes" if output["valid"] else "no"},
    ]
    rows += [{"field": name, "value": value} for name, value in output["subscores"].items()]
    rows += [{"field": "invalid because", "value": reason} for reason in output["invalid_reasons"]]
    criteria = output["criteria"]
    if criteria:
        verdict = "met" if criteria["met"] else "NOT met"
        rows.append({"field": "criteria", "value": f"{criteria['label']}: {verdict}"})
        rows += [{"field": "reason", "value": reason} for reason in criteria["reasons"]]
        rows.append({"field": "note", "value": criteria["note"]})
    print_table(rows, ("field", "value"), title="Score")
    if output["alerts"]:
        print_table(output["alerts"], ("severity", "code", "message"), title="Alerts")
