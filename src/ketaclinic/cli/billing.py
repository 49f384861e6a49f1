"""``ketaclinic billing``: the clinic's money — day close, payments, balances, receipts and
superbills (``billing_day_close``)."""

from __future__ import annotations

from . import billing_day_close
from .base import Subparsers


def register(commands: Subparsers) -> None:
    parser = commands.add_parser("billing", help="day close, payments, receipts, superbills")
    actions = parser.add_subparsers(dest="billing_command", metavar="ACTION", required=True)
    billing_day_close.add_actions(actions)
