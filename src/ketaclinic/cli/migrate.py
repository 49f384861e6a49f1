"""``ketaclinic migrate``: bring the database schema up to date."""

from __future__ import annotations

import argparse

from .base import Subparsers, setup_django


def register(commands: Subparsers) -> None:
    parser = commands.add_parser(
        "migrate", help="apply database migrations (settings from the environment)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)
    return 0
