"""``ketaclinic consent list``: a patient's informed consents, newest first, each with who
signed when, the countersignature and witness, and whether it is current.
``ketaclinic consent pdf``: one signed consent as PDF.

Signing stays with the patient and the clinician (tablet, portal, API), not the command line.
Acts as ``--user`` (permission-checked, audited with the face ``cli``). Exit 0 with the list
or the file written, 2 for bad input naming the option (unknown user, patient or consent; an
unwritable file), 1 when the role may not see consents.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from .acting import acting, add_user_option, service_errors
from .actions import acting_on_patient, command_with_actions, patient_action
from .base import (
    Subparsers,
    add_format_option,
    print_json,
    print_table,
    setup_django,
    write_whole,
)


def register(commands: Subparsers) -> None:
    actions = command_with_actions(
        commands, "consent", help="a patient's informed consents and their PDFs"
    )
    listing = patient_action(
        actions, "list", run_list, help="a patient's consents", description=__doc__
    )
    add_user_option(listing)
    add_format_option(listing)
    pdf = actions.add_parser("pdf", help="one signed consent as PDF", description=__doc__)
    pdf.add_argument("--id", required=True, type=int, metavar="N", help="as consent list shows")
    pdf.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    add_user_option(pdf)
    pdf.set_defaults(handler=run_pdf)


def run_list(args: argparse.Namespace) -> int:
    setup_django()
    from django.utils import timezone

    from ketaclinic.records.consents import services

    actor, patient_id = acting_on_patient(args)
    today = timezone.localdate()
    with service_errors():
        found = [
            services.consent_as_dict(c, today) for c in services.list_consents(actor, patient_id)
        ]
    if args.format == "json":
        print_json(found)
    else:
        zone = timezone.get_current_timezone()
        for consent in found:
            title = f"Consent {consent['id']} of {args.patient.upper()}"
            print_table(_rows(consent, zone), ("", "value"), title)
        if not found:
            print(f"No consent signed yet by {args.patient.upper()}.")
    return 0


def run_pdf(args: argparse.Namespace) -> int:
    setup_django()
    from django.utils import timezone

    from ketaclinic.interop.consent_pdf import consent_pdf
    from ketaclinic.records.consents import services

    actor = acting(args)
    with service_errors(not_found="--id"):
        consent = services.get_consent(actor, args.id)
    content = consent_pdf(consent, timezone.get_current_timezone())
    write_whole(args.out, content)
    print(f"wrote {args.out} ({len(content):,} bytes)", file=sys.stderr)
    return 0


def _rows(consent: dict[str, Any], zone: Any) -> list[dict[str, Any]]:
    """One consent, a line per fact: it reads at any terminal width."""
    counter = consent["countersignature"] or {}
    facts = {
        "protocol": consent["protocol"],
        "document version": consent["document_version"],
        "signed by": f"{consent['signed_name']} ({consent['signed_via']})",
        "signed": _local(consent["signed_at"], zone),
        "countersigned by": counter.get("clinician", ""),
        "countersigned": _local(counter["signed_at"], zone) if counter else "",
        "witness": counter.get("witness_name", ""),
        "valid until": consent["expires_on"],
        "state": consent["state"],
    }
    return [{"": fact, "value": value} for fact, value in facts.items()]


def _local(moment: datetime, zone: Any) -> str:
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"
