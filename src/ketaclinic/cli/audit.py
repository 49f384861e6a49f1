"""``ketaclinic audit verify``: check the audit trail's and the ledger's hash chains.
``ketaclinic audit checkpoint``: record each chain's head now.

``verify`` checks every entry's hash and link, each chain's head, and the checkpoints (in the
database, and in the file of ``--checkpoints`` or ``KETACLINIC_AUDIT_CHECKPOINT_FILE``). Exit 0
when both chains hold; exit 1 naming, per broken chain, the first broken entry (table, id) and
what differs; exit 2 when the checkpoint file cannot be read.

``checkpoint`` prints the heads as JSON lines and appends them to the file of ``--file`` or
``KETACLINIC_AUDIT_CHECKPOINT_FILE``: keep that file elsewhere (another machine, write-once
storage). ``ketaclinic worker`` writes one every ``KETACLINIC_AUDIT_CHECKPOINT_EVERY_MIN``.

Operations commands, like ``migrate``: they show no patient data, only ids and hashes.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .actions import command_with_actions
from .base import Subparsers, UsageError, add_format_option, print_json, setup_django

if TYPE_CHECKING:
    from ketaclinic.records.audit.verification import ChainReport


def register(commands: Subparsers) -> None:
    actions = command_with_actions(
        commands, "audit", help="verify the audit trail and the ledger; checkpoint their chains"
    )
    verify = actions.add_parser(
        "verify", help="check the chains and checkpoints (exit 1 if broken)", description=__doc__
    )
    verify.add_argument(
        "--checkpoints",
        metavar="FILE",
        type=Path,
        help="a checkpoint file kept elsewhere (default KETACLINIC_AUDIT_CHECKPOINT_FILE)",
    )
    add_format_option(verify, "text", "json")
    verify.set_defaults(handler=run_verify)
    checkpoint = actions.add_parser(
        "checkpoint", help="record the chains' heads now", description=__doc__
    )
    checkpoint.add_argument(
        "--file",
        metavar="FILE",
        type=Path,
        help="append the checkpoint here (default KETACLINIC_AUDIT_CHECKPOINT_FILE)",
    )
    checkpoint.set_defaults(handler=run_checkpoint)


def run_verify(args: argparse.Namespace) -> int:
    setup_django()
    from ketaclinic.records.audit import checkpoints, verification

    path = args.checkpoints or checkpoints.configured_file()
    marks: list[checkpoints.Mark] = []
    if path is not None:
        if args.checkpoints is None and not path.exists():
            path = None  # configured, none written yet
        else:
            try:
                marks = checkpoints.read_file(path)
            except checkpoints.CheckpointFileError as error:
                raise UsageError("--checkpoints", str(error)) from None
    reports = verification.verify(marks)
    if args.format == "json":
        print_json(
            {
                "intact": all(report.intact for report in reports),
                "checkpoint_file": str(path) if path is not None else None,
                "chains": [_as_dict(report) for report in reports],
            }
        )
    else:
        for report in reports:
            print(_as_text(report), file=sys.stdout if report.intact else sys.stderr)
    return 0 if all(report.intact for report in reports) else 1


def run_checkpoint(args: argparse.Namespace) -> int:
    setup_django()
    from ketaclinic.records.audit import checkpoints

    try:
        marks = checkpoints.write(args.file)
    except checkpoints.CheckpointFileError as error:
        raise UsageError("--file", str(error)) from None
    for mark in marks:
        print(mark.line())
    return 0


def _as_dict(report: ChainReport) -> dict[str, Any]:
    return {
        **dataclasses.asdict(report),
        "intact": report.intact,
        "broken": dataclasses.asdict(report.broken) if report.broken else None,
    }


def _as_text(report: ChainReport) -> str:
    summary = (
        f"{report.chain} ({report.table}): {report.entries} entries, "
        f"{report.checkpoints} checkpoints"
    )
    if report.broken is None:
        return f"{summary}: intact, head entry {report.head_entry_id} ({report.head_hash[:12]}…)"
    where = f"entry {report.broken.entry_id}" if report.broken.entry_id is not None else "chain"
    return f"{summary}: BROKEN at {report.table} {where}: {report.broken.problem}"
