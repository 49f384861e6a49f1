"""``ketaclinic schedule plan``: the batch planner on a JSON file (format in docs/scheduling.md);
``ketaclinic schedule reminders run``: send the due reminders now (docs/bookings.md).

Pure: no database. Exit 0 with a plan (unscheduled patients are listed with reasons, not an
error), 2 for bad input naming the JSON field, 3 when the input breaks a hard safety limit
(an unsigned plan, too short a recovery or esketamine observation), 1 on an internal failure.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from .actions import command_with_actions
from .base import (
    CliError,
    SafetyLimitError,
    Subparsers,
    UsageError,
    add_format_option,
    setup_django,
)


def register(commands: Subparsers) -> None:
    actions = command_with_actions(
        commands, "schedule", help="plan appointment series (pure, no database)"
    )
    plan = actions.add_parser(
        "plan",
        help="batch-plan many patients' series over locations, chairs and nurses",
        description="Plan every patient's series with CP-SAT (or the greedy baseline): hours, "
        "closures, chairs, nurse ratio and spacing are hard limits; the plan starts series "
        "soon and keeps preferred times. Input and output: docs/scheduling.md.",
    )
    plan.add_argument("--input", required=True, metavar="FILE.json", help="the problem")
    plan.add_argument(
        "--time-limit-s", type=float, default=10.0, help="solver time limit (default 10)"
    )
    plan.add_argument("--workers", type=int, default=2, help="solver threads (default 2)")
    plan.add_argument(
        "--method", choices=("cp-sat", "greedy"), default="cp-sat", help="default cp-sat"
    )
    add_format_option(plan)
    plan.set_defaults(handler=run)
    due = actions.add_parser(
        "reminders",
        help="send the reminders and waitlist offers that are due (uses the database)",
        description="Send every pending reminder that is due, in this process: what a task "
        "backend could not defer, and retries that are due. Prints counts only (no patient "
        "data). Exit 0, or 1 when some failed for good (see the reminders page).",
    )
    due.add_argument("reminders_action", choices=["run"], help="run: send what is due")
    due.add_argument("--limit", type=int, default=500, help="at most this many (default 500)")
    due.set_defaults(handler=run_reminders)


def _read(path: str) -> object:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError("--input", f"cannot read {path}: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise UsageError("--input", f"{path} is not UTF-8 text") from error
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(
            "--input", f"{path} is not JSON: {error.msg} at line {error.lineno}"
        ) from error


def run(args: argparse.Namespace) -> int:
    from ketaclinic.scheduling import (
        PlanVerificationError,
        SchedulingInputError,
        plan_cp_sat,
        plan_greedy,
        scheduling_policy,
    )
    from ketaclinic.scheduling.errors import SafetyLimitInputError
    from ketaclinic.scheduling.jsonio import plan_to_json, problem_from_json

    from .base import print_json, print_table

    if not (math.isfinite(args.time_limit_s) and args.time_limit_s > 0):
        raise UsageError("--time-limit-s", f"{args.time_limit_s} must be a positive number")
    if args.workers < 1:
        raise UsageError("--workers", f"{args.workers} must be at least 1")
    policy = scheduling_policy()
    data = _read(args.input)
    try:
        problem = problem_from_json(data, policy)
    except SafetyLimitInputError as error:
        raise SafetyLimitError(f"{error.field}: {error.message}") from error
    except SchedulingInputError as error:
        raise UsageError(error.field, error.message) from error
    try:
        if args.method == "greedy":
            plan = plan_greedy(problem, policy)
        else:
            plan = plan_cp_sat(problem, policy, args.time_limit_s, args.workers)
    except PlanVerificationError as error:
        raise CliError(f"internal error, nothing may be booked from this plan: {error}") from error
    document = plan_to_json(plan, problem)
    if args.format == "json":
        print_json(document)
        return 0
    rows = [
        {
            "patient": a["patient_id"],
            "session": a["session"],
            "location": a["location_id"],
            "chair": a["chair_id"],
            "start (local)": a["start_local"][:16].replace("T", " "),
            "end": a["end_local"][11:16],
            "zone": a["time_zone"],
        }
        for a in document["appointments"]
    ]
    columns = ["patient", "session", "location", "chair", "start (local)", "end", "zone"]
    print_table(rows, columns, title="Appointments")
    if document["unscheduled"]:
        print_table(
            [
                {"patient": item["patient_id"], "reason": reason["message"]}
                for item in document["unscheduled"]
                for reason in item["reasons"]
            ],
            ["patient", "reason"],
            title="Not scheduled",
        )
    gap = "n/a" if document["gap"] is None else f"{document['gap']:.1%}"
    print(
        f"{document['method']} ({document['status']}): {document['scheduled_patients']} "
        f"scheduled, {document['unscheduled_patients']} not; objective "
        f"{document['objective_h']:.2f} h-equivalent, bound {document['bound_h']}, gap {gap}"
    )
    return 0


def run_reminders(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise UsageError("--limit", f"{args.limit} must be at least 1")
    setup_django()
    from ketaclinic.records.bookings.reminders import run_due

    summary = run_due(args.limit)
    print(
        f"reminders: {summary.tried} due, {summary.sent} sent, {summary.failed} failed, "
        f"{summary.pending} to retry later"
    )
    return 1 if summary.failed else 0
