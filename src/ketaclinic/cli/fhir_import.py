"""``ketaclinic import fhir FILE``: import patients from a FHIR Bundle of Patient resources.

Every entry is checked and reported. ``--dry-run`` writes nothing; by default nothing is
imported when any entry is invalid; ``--import-valid`` imports the valid ones. Exit 0 when
every patient asked for was imported (or, in a dry run, would be), 2 when the file is not a
Bundle or an entry is invalid and nothing was imported for it, 1 when the role may not import.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .acting import acting, add_user_option, service_errors
from .actions import command_with_actions
from .base import Subparsers, UsageError, add_format_option, print_json, print_table, setup_django


def register(commands: Subparsers) -> None:
    kinds = command_with_actions(
        commands, "import", help="import patients from a FHIR Bundle", metavar="KIND"
    )
    fhir = kinds.add_parser("fhir", help="a Bundle of Patient resources", description=__doc__)
    fhir.add_argument("file", type=Path, metavar="FILE")
    mode = fhir.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="check and report; write nothing")
    mode.add_argument(
        "--import-valid", action="store_true", help="import the valid entries, report the rest"
    )
    add_user_option(fhir)
    add_format_option(fhir, "table", "json")
    fhir.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        content = args.file.read_bytes()
    except OSError as error:
        raise UsageError("FILE", f"cannot read {args.file}: {error.strerror}") from None
    setup_django()
    from ketaclinic.interop.fhir import read_patient_bundle
    from ketaclinic.records.outcomes.exchange import ImportMode, import_patients

    actor = acting(args)
    mode = (
        ImportMode.DRY_RUN
        if args.dry_run
        else ImportMode.VALID_ONLY
        if args.import_valid
        else ImportMode.ALL_OR_NOTHING
    )
    with service_errors({"file": "FILE"}):
        report = import_patients(actor, read_patient_bundle(content), mode)
    rows = [
        {
            "entry": line.position,
            "resource": line.label,
            "status": line.status,
            "mrn": line.mrn,
            "messages": "; ".join(line.messages),
            "not kept": ", ".join(line.not_kept),
        }
        for line in report.lines
    ]
    if args.format == "json":
        for row, line in zip(rows, report.lines, strict=True):
            row["not kept"] = line.not_kept  # a list in JSON
        print_json({"mode": str(mode), "imported": report.imported, "entries": rows})
    else:
        print_table(
            rows,
            ("entry", "resource", "status", "mrn", "messages", "not kept"),
            f"import ({mode})",
        )
    if report.invalid and mode != ImportMode.VALID_ONLY:
        raise UsageError(
            "FILE",
            f"{report.invalid} invalid entr{'y' if report.invalid == 1 else 'ies'}; "
            + ("nothing was written (dry run)" if args.dry_run else "nothing was imported"),
        )
    return 0
