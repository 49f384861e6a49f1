"""``ketaclinic ledger report``: a controlled-substance report for a location and date range.

The command acts as the named user: their role must allow ledger reports, and the report is
audited under their name with the face ``cli``. Exit 0 with the report on standard output,
2 for bad input naming the option (an unknown user or location, a malformed or reversed
date range), 1 when the user's role may not see ledger reports.
"""

from __future__ import annotations

import argparse
import sys

from .acting import acting, add_user_option, service_errors
from .actions import command_with_actions
from .base import Subparsers, add_format_option, print_json, setup_django

KINDS = ("dispensing", "waste", "inventory", "discrepancies")
OPTIONS = {"location": "--location", "from": "--from", "to": "--to", "kind": "--kind"}


def register(commands: Subparsers) -> None:
    actions = command_with_actions(commands, "ledger", help="controlled-substance ledger reports")
    report = actions.add_parser(
        "report",
        help="dispensing log, waste log, inventory or discrepancies for a date range",
        description="A ledger report for local dates FROM to TO (both included) at a "
        "location, as the named user (their permission is checked and the read audited).",
    )
    add_user_option(report)
    report.add_argument("--location", required=True, metavar="SLUG", help="the location's slug")
    report.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD")
    report.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD")
    report.add_argument("--kind", choices=KINDS, default="dispensing", help="default dispensing")
    add_format_option(report, "json", "csv")
    report.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    setup_django()
    from ketaclinic.records.ledger import reports

    actor = acting(args)
    query = {
        "location": args.location,
        "kind": args.kind,
        "from": args.date_from,
        "to": args.date_to,
    }
    with service_errors(OPTIONS):
        built = reports.build_report(actor, query)
    if args.format == "csv":
        sys.stdout.write(reports.as_csv(built))
    else:
        print_json(reports.as_json(built))
    return 0
