"""Helpers shared by the command modules: errors with exit codes, output, Django set-up."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

# ``add_subparsers`` returns this private type; alias it once for the command modules.
Subparsers = argparse._SubParsersAction

DEFAULT_SETTINGS = "ketaclinic.settings.production"
DEMO_SETTINGS = "ketaclinic.settings.demo"


class CliError(Exception):
    """An error the operator can act on; printed without a traceback."""

    exit_code = 1


class UsageError(CliError):
    """Bad input: the message names the field; nothing was written."""

    exit_code = 2

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class SafetyLimitError(CliError):
    """A hard safety limit blocked the request."""

    exit_code = 3


def default_settings(environ: Mapping[str, str]) -> str:
    """Production's settings, except in a demo checkout: no settings module, secret key or
    database named, and the demo's logins file in the var folder (``make demo`` wrote it) —
    so the README's examples work as written after ``make demo``."""
    if any(environ.get(name) for name in ("DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DATABASE_URL")):
        return environ.get("DJANGO_SETTINGS_MODULE") or DEFAULT_SETTINGS
    return DEMO_SETTINGS if os.path.exists(demo_logins(environ)) else DEFAULT_SETTINGS


def demo_logins(environ: Mapping[str, str]) -> str:
    """The demo's logins file, found before Django is set up (``records.demo.logins_file``)."""
    var_dir = environ.get("KETACLINIC_VAR_DIR") or os.path.join(os.getcwd(), "var")
    return os.path.join(var_dir, "demo-logins.txt")


def setup_django(settings_module: str | None = None) -> None:
    """Configure Django for a command; ``settings_module`` overrides the environment."""
    chosen = settings_module or default_settings(os.environ)
    if (
        chosen == DEMO_SETTINGS
        and not settings_module
        and not os.environ.get("DJANGO_SETTINGS_MODULE")
    ):
        print(f"(the demo clinic's settings: {demo_logins(os.environ)} is here)", file=sys.stderr)
    os.environ["DJANGO_SETTINGS_MODULE"] = chosen
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as error:
        raise CliError(f"configuration: {error}") from error


def add_format_option(parser: argparse.ArgumentParser, *choices: str) -> None:
    options = choices or ("json", "table")
    parser.add_argument(
        "--format",
        choices=options,
        default=options[0],
        help=f"output format (default {options[0]})",
    )


def write_whole(path: Path, content: bytes, option: str = "--out") -> None:
    """Write to a temporary file beside ``path``, then rename: never half a file; a path that
    cannot be written exits 2 naming ``option``."""
    if path.is_dir():
        raise UsageError(option, f"{path} is a directory")
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_bytes(content)
        partial.replace(path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise UsageError(option, f"cannot write {path}: {error.strerror}") from None


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def print_table(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], title: str = "") -> None:
    """Print rows as a table with rich; each row maps column name to value."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title or None)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(_cell(row.get(column)) for column in columns))
    Console().print(table)


def _cell(value: Any) -> str:
    from rich.markup import escape

    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return escape(str(value))
