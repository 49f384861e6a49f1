"""``ketaclinic demo``: the embedded demo clinic on SQLite, with its logins printed."""

from __future__ import annotations

import argparse
import os

from .base import Subparsers, setup_django
from .serve import add_server_options, check_server_options, collect_static, exec_gunicorn


def register(commands: Subparsers) -> None:
    parser = commands.add_parser(
        "demo", help="set up the demo clinic (SQLite under var/, or DATABASE_URL) and serve it"
    )
    add_server_options(parser)
    parser.add_argument(
        "--no-serve", action="store_true", help="set up only; do not start the server"
    )
    parser.add_argument(
        "--mfa",
        action="store_true",
        help="staff log in with a second factor: each demo login gets an authenticator whose "
        "secret is the third column of var/demo-logins.txt (same as KETACLINIC_DEMO_MFA=1)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    check_server_options(args)
    if args.mfa:  # read by settings.demo, here and in the server it starts
        os.environ["KETACLINIC_DEMO_MFA"] = "1"
    with_mfa = os.environ.get("KETACLINIC_DEMO_MFA", "") == "1"
    setup_django("ketaclinic.settings.demo")
    from django.core.management import call_command

    from ketaclinic.records.demo import load_demo, logins_file

    call_command("migrate", interactive=False, verbosity=0)
    logins = load_demo(with_mfa=with_mfa)
    collect_static()
    print(
        "\nketaclinic demo clinic — synthetic data only. The software informs; clinicians decide."
    )
    print(f"Demo logins (also in {logins_file()}):")
    for login in logins:
        print(f"  {login.role:<11} {login.username:<10} {login.password} {login.totp_secret}")
    if with_mfa:
        print(
            "Staff log in with a second factor: the third column is each login's TOTP secret"
            " (add it to an authenticator app)."
        )
    if args.no_serve:
        return 0
    print(f"\nServing on http://{args.host}:{args.port}/  (API docs: /api/docs)  Ctrl-C stops.\n")
    exec_gunicorn(args)
    return 0
