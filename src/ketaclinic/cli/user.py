"""``ketaclinic user list|deactivate|reactivate|unlock|reset|role``: account administration.

Run as a manager with their own credential (``--user`` with ``--password-file``, or
``KETACLINIC_TOKEN``) or as the labelled system actor (``--system``: the operator at the
server, e.g. when the last manager is locked out). Every step is audited. ``reset`` prints
the one-time link to set a new password (``--base-url`` makes it a whole address).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from .acting import acting, add_user_option, service_errors
from .actions import command_with_actions
from .base import Subparsers, UsageError, add_format_option, print_json, print_table, setup_django

CHANGES = {
    "deactivate": "stop the account from logging in (its API tokens are revoked)",
    "reactivate": "let a deactivated account log in again",
    "unlock": "clear the failed log-ins that lock the account out",
    "reset": "print a one-time link with which the account's owner sets a new password",
    "role": "give the account another staff role",
}


def register(commands: Subparsers) -> None:
    actions = command_with_actions(
        commands, "user", help="account administration (managers, or --system)"
    )
    listing = actions.add_parser("list", help="the accounts: role, active, locked, last log-in")
    add_format_option(listing)
    add_user_option(listing, system=True)
    listing.set_defaults(handler=run_list)
    for name, text in CHANGES.items():
        change = actions.add_parser(name, help=text)
        change.add_argument("username", metavar="USERNAME", help="the account to change")
        if name == "role":
            change.add_argument(
                "role", metavar="ROLE", help="physician, nurse, front_desk, manager"
            )
        if name == "reset":
            change.add_argument(
                "--base-url",
                default="",
                metavar="URL",
                help="the clinic's address, e.g. https://clinic.example.org (default: path only)",
            )
        add_user_option(change, system=True)
        change.set_defaults(handler=run_change)


def run_list(args: argparse.Namespace) -> int:
    setup_django()
    from ketaclinic.records.accounts import administration

    actor = acting(args)
    with service_errors():
        rows = administration.list_accounts(actor)
    if args.format == "json":
        print_json(
            [
                {
                    "username": row.username,
                    "name": row.name,
                    "role": row.role,
                    "role_label": row.role_label,
                    "active": row.active,
                    "locked": row.locked,
                    "last_login": row.last_login.isoformat() if row.last_login else None,
                }
                for row in rows
            ]
        )
    else:
        columns = ["Username", "Name", "Role", "State", "Last log-in"]
        table = [
            {
                "Username": row.username,
                "Name": row.name,
                "Role": row.role_label,
                "State": ("active" if row.active else "deactivated")
                + (", locked out" if row.locked else ""),
                "Last log-in": f"{row.last_login:%Y-%m-%d %H:%M}" if row.last_login else "never",
            }
            for row in rows
        ]
        print_table(table, columns)
    return 0


def run_change(args: argparse.Namespace) -> int:
    setup_django()
    from django.urls import reverse

    from ketaclinic.records.accounts import administration

    actor = acting(args)
    account_id = administration.account_id_by_username(args.username)
    if account_id is None:
        raise UsageError("USERNAME", f"no account is named {args.username!r}")
    changes: dict[str, Callable[[], Any]] = {
        "deactivate": lambda: administration.deactivate(actor, account_id),
        "reactivate": lambda: administration.reactivate(actor, account_id),
        "unlock": lambda: administration.unlock(actor, account_id),
        "reset": lambda: administration.issue_reset_link(actor, account_id),
        "role": lambda: administration.change_role(actor, account_id, args.role),
    }
    with service_errors({"role": "ROLE"}, not_found="USERNAME"):
        result = changes[args.user_command]()
    if args.user_command == "reset":
        path = reverse("web:password-reset", args=[result])
        print(f"{args.base_url.rstrip('/')}{path}")
        print("(works once; give it to the account's owner by a channel you trust)", flush=True)
    else:
        print(f"{args.username}: {args.user_command} done")
    return 0
