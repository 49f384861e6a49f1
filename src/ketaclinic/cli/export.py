"""``ketaclinic export``: a patient's FHIR Bundle, the clinic's CSV tables, the de-identified
research export; and ``ketaclinic import fhir`` (registered here with it).

Every command acts as ``--user`` (permission-checked, audited with the face ``cli``). Exit 0
on success, 2 for bad input naming the option (unknown user or patient, an output directory
that is not empty, a file that is not a FHIR Bundle), 1 when the role may not do it. Long
exports show their progress on standard error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import fhir_import
from .acting import (
    acting,
    add_user_option,
    progress_bar,
    service_errors,
    table_progress,
)
from .actions import acting_on_patient, command_with_actions, patient_action
from .base import Subparsers, setup_django, write_whole


def register(commands: Subparsers) -> None:
    kinds = command_with_actions(
        commands, "export", help="FHIR, CSV and de-identified research exports", metavar="KIND"
    )
    fhir = patient_action(
        kinds,
        "fhir",
        run_fhir,
        help="one patient's record as a FHIR R4 Bundle (JSON)",
        description=__doc__,
    )
    fhir.add_argument("--out", type=Path, help="file to write (default: standard output)")
    add_user_option(fhir)
    for name, text in (
        ("csv", "every table a clinic analyses, identified (physicians)"),
        ("research", "de-identified tables (HIPAA Safe Harbor) with a data dictionary"),
    ):
        kind = kinds.add_parser(name, help=text, description=text)
        kind.add_argument("--out", type=Path, required=True, metavar="DIR", help="new directory")
        if name == "research":
            kind.add_argument(
                "--variant",
                choices=("safe-harbor", "limited-data-set"),
                default="safe-harbor",
                help="safe-harbor: years only (default); limited-data-set: shifted dates, "
                "only under a data use agreement",
            )
            kind.add_argument(
                "--agreement",
                default="",
                metavar="REFERENCE",
                help="the data use agreement a limited data set is released under",
            )
        add_user_option(kind)
        kind.set_defaults(handler=run_tables)
    fhir_import.register(commands)


def run_fhir(args: argparse.Namespace) -> int:
    setup_django()
    from django.utils import timezone

    from ketaclinic.interop.fhir import patient_bundle
    from ketaclinic.records.outcomes import exchange

    actor, patient_id = acting_on_patient(args)
    with service_errors():
        bundle = patient_bundle(exchange.patient_record(actor, patient_id), timezone.now())
    text = json.dumps(bundle, indent=2)
    if args.out is None:
        sys.stdout.write(text + "\n")
    else:
        write_whole(args.out, text.encode("utf-8"))
        print(f"wrote {len(bundle['entry'])} resources to {args.out}", file=sys.stderr)
    return 0


def run_tables(args: argparse.Namespace) -> int:
    setup_django()
    from ketaclinic.interop.research import research_files
    from ketaclinic.interop.tables import with_dictionary, write_directory
    from ketaclinic.records.outcomes import research, tables

    actor = acting(args)
    with service_errors({"out": "--out", "agreement": "--agreement"}):
        if args.export_command == "research":
            variant = research.Variant(args.variant.replace("-", "_"))
            chosen = research.research_tables(actor, variant, args.agreement)
            files = research_files(chosen, variant, args.agreement)
        else:
            files = with_dictionary(tables.clinic_tables(actor))
        with progress_bar() as bar:
            written = write_directory(files, args.out, table_progress(bar))
    print(f"wrote {len(written)} files to {args.out}", file=sys.stderr)
    return 0
