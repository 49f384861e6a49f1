"""``ketaclinic migrate``: bring the database schema up to date.

On PostgreSQL, run it as the role that owns the tables: ``KETACLINIC_MIGRATE_DATABASE_URL``,
when set, is used instead of ``DATABASE_URL`` (which names the application's role). With
``KETACLINIC_APP_DATABASE_ROLE`` (or ``--grant-to``) it then grants the application's role
what it needs: every table read and written, but only SELECT and INSERT on the audit trail and
the ledger. ``--print-grants`` prints those statements and changes nothing.
"""

from __future__ import annotations

import argparse
import os

from .base import Subparsers, UsageError, setup_django

MIGRATE_URL = "KETACLINIC_MIGRATE_DATABASE_URL"
APP_ROLE = "KETACLINIC_APP_DATABASE_ROLE"


def register(commands: Subparsers) -> None:
    parser = commands.add_parser(
        "migrate",
        help="apply database migrations (settings from the environment)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--grant-to",
        metavar="ROLE",
        default=os.environ.get(APP_ROLE, ""),
        help=f"PostgreSQL: the application's role to grant after migrating (default {APP_ROLE})",
    )
    parser.add_argument(
        "--print-grants",
        action="store_true",
        help="print the statements --grant-to would run, and change nothing",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if os.environ.get(MIGRATE_URL):
        os.environ["DATABASE_URL"] = os.environ[MIGRATE_URL]
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from ketaclinic.records import database_roles

    if args.grant_to:
        try:
            statements = database_roles.app_role_grants(args.grant_to)
        except ValueError as error:
            raise UsageError("--grant-to", str(error)) from None
    elif args.print_grants:
        raise UsageError("--grant-to", f"name the application's role (or set {APP_ROLE})")
    if args.print_grants:
        print(";\n".join(statements) + ";")
        return 0
    call_command("migrate", interactive=False, verbosity=1)
    if args.grant_to:
        if connection.vendor != "postgresql":
            raise UsageError("--grant-to", "database roles are PostgreSQL's")
        database_roles.grant_app_role(args.grant_to)
        print(f"granted {args.grant_to}: DML on every table; SELECT, INSERT only on the audit")
        print("trail and the ledger (" + ", ".join(database_roles.protected_tables()) + ")")
    return 0
