"""``ketaclinic intake invite``: a single-use, expiring link for a registered patient to make
their portal account and fill in their intake before the first visit.

Acts as ``--user`` (front desk, physician or manager; audited with the face ``cli``). Prints
the link (shown once: the clinic stores only a digest of it) and exits 0; exit 2 for bad input
naming the option (unknown user or MRN, hours out of range) with nothing written; 1 when the
role may not invite or the patient already has a portal account. Links start with
``KETACLINIC_PUBLIC_BASE_URL``.
"""

from __future__ import annotations

import argparse

from .acting import acting, add_user_option, service_errors
from .actions import command_with_actions
from .base import Subparsers, add_format_option, print_json, setup_django

OPTIONS = {"expires_in_hours": "--hours"}


def register(commands: Subparsers) -> None:
    actions = command_with_actions(commands, "intake", help="online intake before the first visit")
    invite = actions.add_parser("invite", help="make a patient's intake link", description=__doc__)
    invite.add_argument("--mrn", required=True, metavar="MRN", help="the patient's record number")
    invite.add_argument(
        "--hours", type=int, metavar="N", help="how long the link works (default: the setting)"
    )
    add_user_option(invite)
    add_format_option(invite, "text", "json")
    invite.set_defaults(handler=run_invite)


def run_invite(args: argparse.Namespace) -> int:
    setup_django()
    from django.conf import settings
    from django.urls import reverse

    from ketaclinic.records.intake import invitations

    actor = acting(args)
    data = {} if args.hours is None else {"expires_in_hours": args.hours}
    with service_errors(OPTIONS, not_found="--mrn"):
        patient_id = invitations.patient_for_invitation(actor, args.mrn)
        made = invitations.invite(actor, patient_id, data)
    path = reverse("web:intake-start", args=[made.token])
    link = settings.PUBLIC_BASE_URL.rstrip("/") + path
    if args.format == "json":
        print_json(
            {
                "patient": args.mrn.upper(),
                "link": link,
                "expires_at": made.invitation.expires_at.isoformat(),
            }
        )
    else:
        print(link)
        print(f"Works once, until {made.invitation.expires_at:%Y-%m-%d %H:%M %Z}.")
    return 0
