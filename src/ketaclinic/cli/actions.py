"""The steps many commands share: a command made of actions, the patient acted on, the
options given."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .acting import acting, patient_id_for
from .base import Subparsers

if TYPE_CHECKING:
    from ketaclinic.records.context import Actor

Handler = Callable[[argparse.Namespace], int]


def command_with_actions(
    commands: Subparsers,
    name: str,
    *,
    help: str,
    dest: str | None = None,
    metavar: str = "ACTION",
) -> Subparsers:
    """A command made of actions (``ketaclinic NAME ACTION …``); the one chosen is in
    ``args.<dest>`` (default ``<name>_command``)."""
    parser = commands.add_parser(name, help=help)
    return parser.add_subparsers(dest=dest or f"{name}_command", metavar=metavar, required=True)


def patient_action(
    actions: Subparsers, name: str, handler: Handler, **parser_options: Any
) -> argparse.ArgumentParser:
    """An action on one patient, named by ``--patient MRN`` (read it with ``acting_on_patient``)."""
    action = actions.add_parser(name, **parser_options)
    action.add_argument("--patient", required=True, metavar="MRN")
    action.set_defaults(handler=handler)
    return action


def acting_on_patient(args: argparse.Namespace) -> tuple[Actor, int]:
    """The acting user and the patient ``--patient`` names, looked up as that user."""
    actor = acting(args)
    return actor, patient_id_for(actor, args.patient, "--patient")


def given_options(args: argparse.Namespace, options: Mapping[str, str]) -> dict[str, Any]:
    """The service's fields (``options`` maps them to their options) that were given."""
    return {name: value for name in options if (value := getattr(args, name)) is not None}
