"""Commands that act as a named user (``--user`` with that user's credential, or the API token
in ``KETACLINIC_TOKEN``): their permission is checked and every read or write is audited under
their name with the face ``cli``; service errors become exit codes."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .base import CliError, UsageError

if TYPE_CHECKING:
    from ketaclinic.records.context import Actor


TOKEN_VARIABLE = "KETACLINIC_TOKEN"
CREDENTIAL_NEEDED = (
    f"acting as a named user needs that user's credential: --password-file PATH (first line: "
    f"the password) or an API token in the environment variable {TOKEN_VARIABLE}"
)


def add_user_option(parser: argparse.ArgumentParser, *, system: bool = False) -> None:
    """``--user`` with its credential (``--password-file`` or ``KETACLINIC_TOKEN``); with
    ``system``, also ``--system``: the labelled system actor, for an operator's maintenance."""
    parser.add_argument(
        "--user", metavar="USERNAME", help="the account acting (permission-checked, audited)"
    )
    parser.add_argument(
        "--password-file",
        type=Path,
        metavar="PATH",
        help=f"a file whose first line is the --user account's password (or set {TOKEN_VARIABLE})",
    )
    if system:
        parser.add_argument(
            "--system",
            action="store_true",
            help="act as the labelled system actor (an operator at the server; audited as such)",
        )


def acting(args: argparse.Namespace) -> Actor:
    """The actor a command runs as: the named user with their own credential, the system
    actor (``--system``), or, in a demo installation, a demo account by name; exit 2 when the
    credential is missing or wrong."""
    from ketaclinic.records.accounts import command_line

    token = os.environ.get(TOKEN_VARIABLE, "")
    username = args.user or ""
    if getattr(args, "system", False):
        if username or args.password_file or token:
            raise UsageError(
                "--system", f"the system actor takes no --user, --password-file or {TOKEN_VARIABLE}"
            )
        return command_line.system_actor()
    if token:
        actor = command_line.by_token(token)
        if actor is None:
            raise UsageError(TOKEN_VARIABLE, "the token is unknown, expired or revoked")
        if username and username != actor.user.username:
            raise UsageError("--user", f"{TOKEN_VARIABLE} belongs to another account")
        return actor
    if not username:
        raise UsageError("--user", "name the acting account (or use " + TOKEN_VARIABLE + ")")
    if args.password_file:
        actor = command_line.by_password(username, _read_password(args.password_file))
    elif (demo := _demo_password(username)) is not None:
        actor = command_line.by_password(username, demo, credential="demo")
    else:
        raise UsageError("--password-file", CREDENTIAL_NEEDED)
    if actor is None:
        raise UsageError("--user", f"no active account {username!r} with this password")
    return actor


def _read_password(path: Path) -> str:
    try:
        return path.read_text().splitlines()[0]
    except (OSError, IndexError, UnicodeDecodeError) as error:
        raise UsageError("--password-file", f"cannot read a password from it ({error})") from None


def _demo_password(username: str) -> str | None:
    """In a demo installation only: the demo account's own password from its logins file."""
    from django.conf import settings

    if not settings.KETACLINIC_DEMO:
        return None
    from ketaclinic.records.demo import demo_password

    return demo_password(username)


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
