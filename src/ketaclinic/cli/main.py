"""Entry point: builds the parser from the command modules and maps errors to exit codes.

Exit codes: 0 success, 2 bad input (named field, nothing written), 3 a hard safety limit
blocked the request, 1 anything else the operator must look at.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib import import_module

from .base import CliError

# Each module defines ``register(subparsers)``; keep heavy imports inside the handlers so
# that ``ketaclinic --help`` stays fast.
COMMAND_MODULES = (
    "demo",
    "serve",
    "migrate",
    "createuser",
    "score",
    "instruments",
    "protocols",
    "dose",
    "screen",
    "pk",
    "schedule",
    "worker",
    "ledger",
    "export",
    "report",
    "outcomes",
    "results",
    "consent",
    "audit",
    "billing",
    "intake",
    "user",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ketaclinic",
        description="Ketamine infusion therapy clinic software. It informs; clinicians decide.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        import_module(f"{__package__}.{name}").register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except CliError as error:
        print(f"ketaclinic {args.command}: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader (e.g. ``| head``) went away: stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
