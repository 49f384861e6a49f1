"""``ketaclinic report``: a patient's progress report or the monthly clinic report as PDF.

Acts as ``--user`` (permission-checked, audited with the face ``cli``). Exit 0 with the file
written, 2 for bad input naming the option (unknown user or patient, a month that is malformed
or in the future, an unwritable file), 1 when the role may not see the report.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .acting import acting, add_user_option, patient_id_for, service_errors
from .actions import command_with_actions
from .base import Subparsers, setup_django, write_whole


def register(commands: Subparsers) -> None:
    kinds = command_with_actions(
        commands, "report", help="PDF reports: patient progress, clinic month", metavar="KIND"
    )
    patient = kinds.add_parser("patient", help="a patient's progress report", description=__doc__)
    patient.add_argument("mrn", metavar="MRN")
    patient.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    add_user_option(patient)
    patient.set_defaults(handler=run)
    clinic = kinds.add_parser("clinic", help="the monthly clinic report", description=__doc__)
    clinic.add_argument("--month", required=True, metavar="YYYY-MM")
    clinic.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    add_user_option(clinic)
    clinic.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    setup_django()
    from django.utils import timezone

    from ketaclinic.interop import pdf
    from ketaclinic.records.accounts.permissions import Action
    from ketaclinic.records.outcomes import reports, services

    actor = acting(args)
    now, zone = timezone.now(), timezone.get_current_timezone()
    with service_errors({"month": "--month"}):
        if args.report_command == "patient":
            patient_id = patient_id_for(actor, args.mrn, "MRN")
            data = services.patient_outcomes(
                actor, patient_id, action=Action.REPORT_PATIENT, view="report"
            )
            content = pdf.patient_report(data, zone, now)
        else:
            content = pdf.clinic_report(
                reports.clinic_month(actor, {"month": args.month}), zone, now
            )
    write_whole(args.out, content)
    print(f"wrote {args.out} ({len(content):,} bytes)", file=sys.stderr)
    return 0
