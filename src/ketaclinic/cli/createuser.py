"""``ketaclinic createuser``: create an account without prompts (for set-up scripts); the
operator acts as the labelled ``system`` actor (it creates the first manager)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .base import Subparsers, UsageError, setup_django


def register(commands: Subparsers) -> None:
    parser = commands.add_parser("createuser", help="create a user account with one role")
    parser.add_argument(
        "--role", required=True, help="physician, nurse, front_desk, manager or patient"
    )
    parser.add_argument("--username", required=True)
    parser.add_argument(
        "--password-file", required=True, type=Path, help="file whose first line is the password"
    )
    parser.add_argument("--patient-mrn", help="for a patient account: the MRN of its one record")
    parser.add_argument("--email", default="")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        password = args.password_file.read_text().splitlines()[0]
    except (OSError, IndexError) as error:
        raise UsageError("--password-file", f"cannot read a password from it ({error})") from None
    setup_django()
    from ketaclinic.records.accounts.command_line import system_actor
    from ketaclinic.records.accounts.services import create_user
    from ketaclinic.records.errors import InvalidInput
    from ketaclinic.records.patients.lookups import patient_id_for_account_setup

    patient_id = None
    if args.patient_mrn:
        patient_id = patient_id_for_account_setup(args.patient_mrn)
        if patient_id is None:
            raise UsageError("--patient-mrn", f"no patient has MRN {args.patient_mrn!r}")
    try:
        user = create_user(
            system_actor(),  # the operator setting up the clinic: audited as "system"
            username=args.username,
            password=password,
            role=args.role,
            patient_id=patient_id,
            email=args.email,
        )
    except InvalidInput as error:
        first = error.errors[0]
        raise UsageError(f"--{first.field.replace('_', '-')}", first.message) from None
    print(f"created {user.username} ({user.role})")
    return 0
