"""``ketaclinic screen``: eligibility for ketamine therapy from a patient JSON file."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from .base import Subparsers, UsageError, add_format_option, print_json, print_table
from .protocols import plain_rows


def register(commands: Subparsers) -> None:
    parser = commands.add_parser(
        "screen",
        help="screen a patient for eligibility (contraindications, interactions, tests)",
        description="The patient JSON is documented in docs/protocols-and-dosing.md.",
    )
    parser.add_argument("--patient-file", required=True, metavar="FILE.json")
    parser.add_argument(
        "--on", metavar="YYYY-MM-DD", help="date for the age from date_of_birth (default today)"
    )
    add_format_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ketaclinic.core import DomainInputError
    from ketaclinic.screening import screen, screening_input_from_mapping

    on = _date(args.on) if args.on else date.today()
    try:
        data = json.loads(Path(args.patient_file).read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError("--patient-file", f"cannot read it: {error.strerror}") from error
    except (ValueError, UnicodeDecodeError) as error:
        raise UsageError("--patient-file", f"is not valid JSON: {error}") from error
    try:
        result = screen(screening_input_from_mapping(data, on))
    except DomainInputError as error:
        raise UsageError(error.field, error.message) from error
    if args.format == "json":
        print_json(result.as_dict())
        return 0
    reasons = [
        {**finding.as_dict(), "matched": ", ".join(finding.matched)} for finding in result.findings
    ]
    title = f"Screening: {result.outcome} ({result.rule_set_version})"
    print_table(plain_rows(reasons), ("outcome", "reason", "matched", "source"), title=title)
    tests = [
        {**test.as_dict(), "reasons": "; ".join(test.reasons)} for test in result.required_tests
    ]
    print_table(plain_rows(tests), ("label", "reasons", "source"), title="Pre-infusion tests")
    return 0


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError("--on", f"must be a date YYYY-MM-DD, got {text!r}") from None
