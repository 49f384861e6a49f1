"""Commands that act as a named user (``--user``): their permission is checked and every read
or write is audited under their name with the face ``cli``; service errors become exit codes."""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .base import CliError, UsageError

if TYPE_CHECKING:
    from ketaclinic.records.context import Actor


def add_user_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--user", required=True, metavar="USERNAME", help="the account acting (permission-checked)"
    )


def acting(username: str) -> Actor:
    """The active account named ``username`` as a command-line actor; exit 2 otherwise."""
    from ketaclinic.records.accounts.lookups import active_user
    from ketaclinic.records.context import Actor

    user = active_user(username)
    if user is None:
        raise UsageError("--user", f"no active account is named {username!r}")
    return Actor.for_cli(user)


def patient_id_for(actor: Actor, mrn: str, option: str) -> int:
    """The patient with this MRN (any case), looked up as ``actor`` (audited); exit 2 naming
    ``option`` when there is none, 1 when the actor may not search patients."""
    from ketaclinic.records.errors import Forbidden, NotFound
    from ketaclinic.records.patients.lookups import patient_id_by_mrn

    try:
        return patient_id_by_mrn(actor, mrn)
    except NotFound as error:
        raise UsageError(option, str(error)) from None
    except Forbidden as error:
        raise CliError(str(error)) from None


@contextmanager
def service_errors(
    options: Mapping[str, str] | None = None, not_found: str = "patient"
) -> Iterator[None]:
    """Bad input exits 2 naming the option (``options`` maps service fields to options; a
    record that does not exist names ``not_found``); a denial or a clash exits 1 with the
    service's message."""
    from ketaclinic.records.errors import Conflict, Forbidden, InvalidInput, NotFound

    try:
        yield
    except InvalidInput as error:
        first = error.errors[0]
        raise UsageError((options or {}).get(first.field, first.field), first.message) from None
    except NotFound as error:
        raise UsageError(not_found, str(error)) from None
    except (Forbidden, Conflict) as error:
        raise CliError(str(error)) from None


def progress_bar() -> Any:
    """A rich progress display on standard error (rows written per table)."""
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn

    return Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        TextColumn("{task.completed:,} rows"),
        console=Console(stderr=True),
        transient=False,
    )


def table_progress(bar: Any) -> Any:
    """A callback for ``interop.tables`` that shows one line per table."""
    tasks: dict[str, Any] = {}

    def report(table: str, rows: int) -> None:
        if table not in tasks:
            tasks[table] = bar.add_task(table, total=None)
        bar.update(tasks[table], completed=rows)

    return report
