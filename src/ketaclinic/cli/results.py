"""``ketaclinic results list``: a patient's ECG and laboratory results, newest first.
``ketaclinic results add``: record one result, a number with its unit or a coded result.

Acts as ``--user`` (permission-checked, audited with the face ``cli``). Exit 0 with the
result(s) on standard output, 2 for bad input naming the option with nothing written (unknown
user, patient or test; a unit or code the test does not take; a reversed reference range; a
date in the future), 1 when the role may not read or record results.
"""

from __future__ import annotations

import argparse
from typing import Any

from .acting import add_user_option, service_errors
from .actions import acting_on_patient, command_with_actions, given_options, patient_action
from .base import Subparsers, add_format_option, print_json, print_table, setup_django

# The service's field names and the options that carry them.
OPTIONS = {
    "test": "--test",
    "value": "--value",
    "unit": "--unit",
    "code": "--code",
    "reference_low": "--reference-low",
    "reference_high": "--reference-high",
    "taken_on": "--taken-on",
    "note": "--note",
}
COLUMNS = ("id", "taken on", "test", "result", "reference range", "abnormal", "entered by")


def register(commands: Subparsers) -> None:
    actions = command_with_actions(
        commands, "results", help="a patient's ECG and laboratory results"
    )
    listing = patient_action(
        actions, "list", run_list, help="a patient's results", description=__doc__
    )
    add_user_option(listing)
    add_format_option(listing)
    add = patient_action(actions, "add", run_add, help="record a result", description=__doc__)
    add.add_argument("--test", required=True, metavar="ID", help="a test id, e.g. alt or ecg")
    add.add_argument("--value", metavar="NUMBER", help="a measured result (with --unit)")
    add.add_argument("--unit", metavar="UCUM", help="the value's unit, e.g. U/L")
    add.add_argument("--code", metavar="CODE", help="a coded result, e.g. normal")
    add.add_argument("--reference-low", metavar="NUMBER", help="the laboratory's lower limit")
    add.add_argument("--reference-high", metavar="NUMBER", help="the laboratory's upper limit")
    add.add_argument("--abnormal", action="store_true", help="the laboratory flagged it abnormal")
    add.add_argument("--note", metavar="TEXT")
    add.add_argument("--taken-on", required=True, metavar="YYYY-MM-DD", help="sample or ECG day")
    add_user_option(add)
    add_format_option(add)


def run_list(args: argparse.Namespace) -> int:
    setup_django()
    from ketaclinic.records.results import services

    actor, patient_id = acting_on_patient(args)
    with service_errors():
        found = [services.result_as_dict(r) for r in services.list_results(actor, patient_id)]
    if args.format == "json":
        print_json(found)
    else:
        _table(found, f"Results of {args.patient.upper()}")
    return 0


def run_add(args: argparse.Namespace) -> int:
    setup_django()
    from ketaclinic.records.results import services

    actor, patient_id = acting_on_patient(args)
    data = given_options(args, OPTIONS)
    if args.abnormal:
        data["abnormal"] = True
    with service_errors(OPTIONS):
        result = services.result_as_dict(services.record_result(actor, patient_id, data))
    if args.format == "json":
        print_json(result)
    else:
        _table([result], "Result recorded")
    return 0


def _table(results: list[dict[str, Any]], title: str) -> None:
    from ketaclinic.screening.lab_tests import lab_catalog

    tests = lab_catalog().tests
    rows = [
        {
            "id": r["id"],
            "taken on": r["taken_on"],
            "test": tests[r["test"]].label if r["test"] in tests else r["test"],
            "result": r["code"] or f"{r['value']:g} {r['unit']}",
            "reference range": _range(r),
            "abnormal": "abnormal" if r["abnormal"] else "",
            "entered by": r["entered_by"],
        }
        for r in results
    ]
    print_table(rows, COLUMNS, title)


def _range(result: dict[str, Any]) -> str:
    low, high = result["reference_low"], result["reference_high"]
    if low is None and high is None:
        return ""
    shown = [f"{limit:g}" if limit is not None else "" for limit in (low, high)]
    return f"{shown[0]}–{shown[1]} {result['unit']}"
