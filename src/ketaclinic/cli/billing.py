"""``ketaclinic billing``: the clinic's money, one action per subcommand.

``billing prices --location SLUG --user NAME``: every version of the location's price list,
newest first (amounts in cents and dollars). With ``--effective-from YYYY-MM-DD --items
FILE.json`` (a JSON list of items as ``POST /api/price-lists`` takes them) a manager adds a new
version; older versions are kept.
``billing estimate --patient MRN --user NAME``: issue a Good Faith Estimate of the patient's
booked and planned care (or the standard course); ``--out FILE.pdf`` writes its PDF.

Acts as ``--user`` (permission-checked, audited with the face ``cli``). Exit 0 done, 2 bad
input naming the option or field (nothing written), 1 a denial or a clash (no price list).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ketaclinic.records.pricing.money import dollars

from . import billing_day_close
from .acting import acting, add_user_option, service_errors
from .actions import acting_on_patient, command_with_actions, patient_action
from .base import (
    Subparsers,
    UsageError,
    add_format_option,
    print_json,
    print_table,
    setup_django,
    write_whole,
)

OPTIONS = {"location": "--location", "effective_from": "--effective-from", "body": "--items"}


def register(commands: Subparsers) -> None:
    actions = command_with_actions(
        commands, "billing", help="prices, Good Faith Estimates and payments"
    )
    for add in SUBCOMMANDS:
        add(actions)


def _add_prices(actions: Any) -> None:
    prices = actions.add_parser("prices", help="a location's price lists", description=__doc__)
    prices.add_argument("--location", required=True, metavar="SLUG")
    prices.add_argument("--effective-from", metavar="YYYY-MM-DD", help="add a new version")
    prices.add_argument("--items", type=Path, metavar="FILE.json", help="the new version's items")
    prices.add_argument("--note", default="")
    add_user_option(prices)
    add_format_option(prices, "table", "json")
    prices.set_defaults(handler=run_prices)


def _add_estimate(actions: Any) -> None:
    estimate = patient_action(
        actions,
        "estimate",
        run_estimate,
        help="issue a patient's Good Faith Estimate",
        description=__doc__,
    )
    estimate.add_argument("--location", default="", metavar="SLUG")
    estimate.add_argument("--out", type=Path, metavar="FILE.pdf", help="write its PDF")
    add_user_option(estimate)
    add_format_option(estimate, "table", "json")


# One function per subcommand, each adding its parser to ``billing``'s actions (day close,
# payments, balances, receipts and superbills are ``billing_day_close``'s).
SUBCOMMANDS: tuple[Callable[[Any], None], ...] = (
    _add_prices,
    _add_estimate,
    billing_day_close.add_actions,
)


def _read_items(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError("--items", f"cannot read {path}: {error.strerror}") from None
    except ValueError:
        raise UsageError("--items", f"{path} is not JSON") from None


def run_prices(args: argparse.Namespace) -> int:
    setup_django()
    from ketaclinic.records.pricing import services

    actor = acting(args)
    if args.effective_from or args.items:
        if not (args.effective_from and args.items):
            raise UsageError("--items", "a new version needs both --effective-from and --items")
        body = {
            "location": args.location,
            "effective_from": args.effective_from,
            "note": args.note,
            "items": _read_items(args.items),
        }
        with service_errors(OPTIONS, not_found="--location"):
            created = services.add_price_list(actor, body)
        print(f"added version {created.version} from {created.effective_from}", file=sys.stderr)
    with service_errors(OPTIONS, not_found="--location"):
        found = [services.price_list_dict(p) for p in services.price_lists(actor, args.location)]
    if args.format == "json":
        print_json(found)
        return 0
    for version in found:
        title = (
            f"{version['location_name']}: version {version['version']}, "
            f"from {version['effective_from']}"
        )
        rows = [
            {
                "item": item["label"],
                "protocol": item["protocol"] or "any",
                "codes": " + ".join(item["codes"]),
                "amount_cents": item["amount_cents"],
                "amount": dollars(item["amount_cents"]),
            }
            for item in version["items"]
        ]
        print_table(rows, ("item", "protocol", "codes", "amount_cents", "amount"), title)
    if not found:
        print(f"No price list at {args.location} yet.")
    return 0


def run_estimate(args: argparse.Namespace) -> int:
    setup_django()
    from django.utils import timezone

    from ketaclinic.interop.estimate_pdf import estimate_pdf
    from ketaclinic.records.pricing import estimates

    actor, patient_id = acting_on_patient(args)
    body = {"location": args.location} if args.location else {}
    with service_errors(OPTIONS, not_found="--patient"):
        issued = estimates.issue_estimate(actor, patient_id, body)
    if args.out:
        write_whole(args.out, estimate_pdf(issued, timezone.get_current_timezone()))
        print(f"wrote {args.out}", file=sys.stderr)
    found = estimates.estimate_dict(issued)
    if args.format == "json":
        print_json(found)
        return 0
    rows: list[dict[str, Any]] = [
        {
            "item": item["description"],
            "codes": " + ".join(item["codes"]),
            "quantity": item["quantity"],
            "each": dollars(item["amount_cents"]),
            "total": dollars(item["line_cents"]),
        }
        for item in found["items"]
    ]
    rows.append({"item": "Total expected charges", "total": dollars(found["total_cents"])})
    title = f"Good Faith Estimate {found['id']} for {found['patient_name']}"
    print_table(rows, ("item", "codes", "quantity", "each", "total"), title)
    return 0
