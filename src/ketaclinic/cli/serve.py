"""``ketaclinic serve``: the production web server (gunicorn), settings from the environment."""

from __future__ import annotations

import argparse
import os
import sys

from .base import Subparsers, setup_django


def add_server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    parser.add_argument(
        "--workers", type=int, default=2, help="gunicorn worker processes (default 2)"
    )


def register(commands: Subparsers) -> None:
    parser = commands.add_parser("serve", help="serve the web app and API with gunicorn")
    add_server_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    setup_django()
    collect_static()
    exec_gunicorn(args)
    return 0


def collect_static() -> None:
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


def exec_gunicorn(args: argparse.Namespace) -> None:
    """Replace this process with gunicorn serving ``ketaclinic.wsgi``."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "ketaclinic.wsgi:application",
        "--bind",
        f"{args.host}:{args.port}",
        "--workers",
        str(args.workers),
        "--access-logfile",
        "-",
    ]
    sys.stdout.flush()
    os.execv(sys.executable, command)
