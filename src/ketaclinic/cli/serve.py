"""``ketaclinic serve``: the production web server (gunicorn), settings from the environment.

The application is loaded once, before the workers are forked (``--preload``), so a new
worker answers at once instead of importing the application on its first request. Workers
and the time-out are sized from the machine and can be overridden; see docs/operations.md.
"""

from __future__ import annotations

import argparse
import os
import sys

from .base import Subparsers, UsageError, setup_django


def default_workers() -> int:
    """Gunicorn's own rule of thumb for synchronous workers: two per core, plus one."""
    return 2 * (os.cpu_count() or 1) + 1


def add_server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    parser.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help=f"worker processes (default 2 per core + 1: {default_workers()} here)",
    )
    parser.add_argument(
        "--timeout",
        type=int,
        default=30,
        help="seconds a request may take before its worker is restarted (default 30)",
    )
    parser.add_argument(
        "--pidfile", help="write the server's process id here (for graceful reloads)"
    )


def register(commands: Subparsers) -> None:
    parser = commands.add_parser("serve", help="serve the web app and API with gunicorn")
    add_server_options(parser)
    parser.set_defaults(handler=run)


def check_server_options(args: argparse.Namespace) -> None:
    if args.workers < 1:
        raise UsageError("--workers", f"{args.workers} must be at least 1")
    if args.timeout < 1:
        raise UsageError("--timeout", f"{args.timeout} must be at least 1 second")
    if not 0 < args.port < 65536:
        raise UsageError("--port", f"{args.port} is not a port number (1-65535)")


def run(args: argparse.Namespace) -> int:
    check_server_options(args)
    setup_django()
    collect_static()
    exec_gunicorn(args)
    return 0


def collect_static() -> None:
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


def gunicorn_command(args: argparse.Namespace) -> list[str]:
    """The gunicorn command line for these options."""
    from ketaclinic import logs

    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "ketaclinic.wsgi:application",
        "--bind",
        f"{args.host}:{args.port}",
        "--workers",
        str(args.workers),
        "--timeout",
        str(args.timeout),
        "--graceful-timeout",
        str(args.timeout),
        "--preload",
        "--no-control-socket",  # its one path per user would be shared by several servers
        "--max-requests",
        "2000",
        "--max-requests-jitter",
        "200",
        "--logger-class",
        f"{logs.__name__}.AccessLog",
        "--access-logformat",
        logs.ACCESS_FORMAT,
        "--access-logfile",
        "-",
    ]
    if args.pidfile:
        command += ["--pid", args.pidfile]
    return command


def exec_gunicorn(args: argparse.Namespace) -> None:
    """Replace this process with gunicorn serving ``ketaclinic.wsgi``."""
    sys.stdout.flush()
    os.execv(sys.executable, gunicorn_command(args))
