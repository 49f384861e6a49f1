"""``ketaclinic outcomes cohort``: the cohort dashboard's figures as JSON or a table.
``ketaclinic outcomes refresh [--all]``: rebuild the per-patient outcome summaries.

``cohort`` acts as ``--user`` (permission-checked, audited with the face ``cli``). A filter
that matches nobody gives an empty, labelled result (exit 0). Exit 2 for bad input naming the
option (unknown user, protocol or location; a malformed or reversed period), 1 when the role
may not see the cohort.

``refresh`` is an operations command, like ``migrate``: it shows no patient data, only counts.
Without ``--all`` it refreshes the summaries that wait (changed since, computed with other
rules or instrument versions, or never made); with it, every patient's. Run it after an upgrade.
"""

from __future__ import annotations

import argparse
from typing import Any

from .acting import acting, add_user_option, service_errors
from .actions import command_with_actions
from .base import Subparsers, UsageError, add_format_option, print_json, print_table, setup_django

OPTIONS = {
    "protocol": "--protocol",
    "location": "--location",
    "since": "--since",
    "until": "--until",
}


def register(commands: Subparsers) -> None:
    actions = command_with_actions(commands, "outcomes", help="clinic outcomes in aggregate")
    cohort = actions.add_parser(
        "cohort", help="responders, changes, durability, drop-outs", description=__doc__
    )
    cohort.add_argument("--protocol", metavar="ID")
    cohort.add_argument("--location", metavar="SLUG")
    cohort.add_argument("--since", metavar="YYYY-MM-DD", help="started on or after")
    cohort.add_argument("--until", metavar="YYYY-MM-DD", help="started on or before")
    add_user_option(cohort)
    add_format_option(cohort, "json", "table")
    cohort.set_defaults(handler=run)
    refresh = actions.add_parser(
        "refresh", help="rebuild the per-patient outcome summaries", description=__doc__
    )
    refresh.add_argument(
        "--all", action="store_true", dest="everything", help="every patient's, not only stale"
    )
    refresh.add_argument(
        "--batch", type=int, default=1000, metavar="N", help="patients per batch (default 1000)"
    )
    refresh.set_defaults(handler=run_refresh)


def run(args: argparse.Namespace) -> int:
    setup_django()
    from ketaclinic.records.outcomes import cohort

    actor = acting(args)
    filters = {name: getattr(args, name) for name in OPTIONS if getattr(args, name)}
    with service_errors(OPTIONS):
        data = cohort.cohort_report(actor, filters).as_dict()
    if args.format == "json":
        print_json(data)
    else:
        print_table(
            _rows(data), ("figure", "value"), f"{data['label']}: {data['patients']} patients"
        )
    return 0


def run_refresh(args: argparse.Namespace) -> int:
    if args.batch < 1:
        raise UsageError("--batch", f"{args.batch} must be at least 1")
    setup_django()
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from ketaclinic.records.outcomes.summaries import refresh_all

    with Progress(
        "[bold]outcome summaries",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    ) as bar:
        task = bar.add_task("summaries", total=None)

        def report(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        written = refresh_all(everything=args.everything, batch=args.batch, progress=report)
    print(f"{written} outcome summaries refreshed")
    return 0


def _share(share: dict[str, Any]) -> str:
    if share["rate"] is None:
        return f"{share['count']}/{share['of']}"
    return (
        f"{share['count']}/{share['of']} = {100 * share['rate']:.0f} % "
        f"(95 % CI {100 * share['ci_low']:.0f}–{100 * share['ci_high']:.0f})"
    )


def _rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"figure": "patients", "value": data["patients"]},
        {"figure": "patients treated (infusions recorded)", "value": data["patients_treated"]},
        {"figure": "infusions", "value": data["infusions"]},
    ]
    rows += [
        {"figure": f"responders, {r['instrument_id']} {r['label']}", "value": _share(r)}
        for r in data["responders"]
    ]
    for change in data["changes"]:
        mean = change["mean"]
        value = "—" if mean is None else f"{mean:+.2f}"
        if change["ci_low"] is not None:
            value += f" ({change['ci_low']:+.2f} to {change['ci_high']:+.2f})"
        rows.append({"figure": f"mean change, {change['title']} (n={change['n']})", "value": value})
    curve = data["durability"]
    rows += [
        {"figure": "drop-outs", "value": _share(data["dropouts"])},
        {
            "figure": "durability (Kaplan–Meier)",
            "value": f"n={curve['patients']}, returned {curve['returned']}, median "
            f"{curve['median_days'] if curve['median_days'] is not None else '—'} days",
        },
        {"figure": "infusions with side effects", "value": _share(data["side_effects"])},
        {
            "figure": "summaries as of (oldest refresh)",
            "value": f"{data['summaries']['as_of'] or '—'}; "
            f"{data['summaries']['patients_waiting']} patients waiting to be refreshed",
        },
    ]
    return rows
