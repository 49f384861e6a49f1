"""``ketaclinic billing day-close``: a location's payments of one day by method, with totals
(the date is the location's calendar day); ``billing payment``: record a payment;
``billing balance``: what a patient owes; ``billing receipt`` and ``billing superbill``: the
PDFs a patient sends to their insurer.

Acts as ``--user`` (permission-checked, audited with the face ``cli``): front desk and
managers (a patient account only its own balance and documents). Exit 0 with the result on
standard output (or the PDF in ``--out``), 2 for bad input naming the option with nothing
written (an unknown user, location or patient; a date that is not YYYY-MM-DD; an amount that
is not a whole number of cents above zero; a reference that looks like a card number), 1 when
the role may not.
"""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import date
from pathlib import Path

from .acting import acting, add_user_option, service_errors
from .actions import acting_on_patient, given_options, patient_action
from .base import Subparsers, UsageError, add_format_option, print_json, setup_django, write_whole

DAY_CLOSE_COLUMNS = (
    "location",
    "date",
    "method",
    "payments",
    "received_cents",
    "refunds",
    "refunded_cents",
    "net_cents",
)
PAYMENT_OPTIONS = {
    "amount_cents": "--amount-cents",
    "method": "--method",
    "reference": "--reference",
    "location": "--location",
}


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def cents(text: str) -> int:
    if not text.isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of cents above zero")
    return int(text)


def add_actions(actions: Subparsers) -> None:
    """Add this module's actions to the ``billing`` command's subparsers."""
    close = actions.add_parser("day-close", help="a location's payments of a day, by method")
    close.add_argument("--location", required=True, metavar="SLUG")
    close.add_argument("--date", required=True, type=iso_date, metavar="YYYY-MM-DD")
    add_format_option(close, "json", "csv")
    add_user_option(close)
    close.set_defaults(handler=run_day_close)

    pay = patient_action(
        actions, "payment", run_payment, help="record a patient's payment (cash or card)"
    )
    pay.add_argument("--amount-cents", required=True, type=cents, metavar="CENTS")
    pay.add_argument("--method", required=True, choices=("cash", "card"))
    pay.add_argument("--reference", metavar="TEXT", help="the card terminal's reference")
    pay.add_argument("--location", metavar="SLUG", help="default: the patient's usual location")
    add_user_option(pay)

    balance = patient_action(
        actions, "balance", run_balance, help="what a patient owes (cents; < 0: is owed)"
    )
    add_user_option(balance)

    receipt = patient_action(
        actions, "receipt", run_receipt, help="the receipt of a payment, as PDF"
    )
    receipt.add_argument("--number", required=True, type=int, help="the payment's number")
    receipt.add_argument("--out", required=True, type=Path, metavar="FILE.pdf")
    add_user_option(receipt)

    superbill = patient_action(
        actions, "superbill", run_superbill, help="a period's superbill, as PDF"
    )
    superbill.add_argument("--from", dest="first", required=True, type=iso_date)
    superbill.add_argument("--to", dest="last", required=True, type=iso_date)
    superbill.add_argument("--out", required=True, type=Path, metavar="FILE.pdf")
    add_user_option(superbill)


def run_day_close(args: argparse.Namespace) -> int:
    setup_django()
    from ketaclinic.records.billing.dayclose import day_close

    actor = acting(args)
    with service_errors({"location": "--location"}):
        found = day_close(actor, args.location, args.date).as_dict()
    if args.format == "json":
        print_json(found)
        return 0
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(DAY_CLOSE_COLUMNS)
    for row in found["methods"]:
        writer.writerow(
            [found["location"], found["date"], *(row[c] for c in DAY_CLOSE_COLUMNS[2:])]
        )
    totals = {
        "payments": sum(m["payments"] for m in found["methods"]),
        "received_cents": found["total_received_cents"],
        "refunds": sum(m["refunds"] for m in found["methods"]),
        "refunded_cents": found["total_refunded_cents"],
        "net_cents": found["total_net_cents"],
    }
    writer.writerow([found["location"], found["date"], "total", *totals.values()])
    return 0


def run_payment(args: argparse.Namespace) -> int:
    setup_django()
    from ketaclinic.records.billing import money, services

    actor, patient_id = acting_on_patient(args)
    data = given_options(args, PAYMENT_OPTIONS)
    with service_errors(PAYMENT_OPTIONS):
        entry = money.record_payment(actor, patient_id, data)
    print_json(services.entry_as_dict(entry))
    return 0


def run_balance(args: argparse.Namespace) -> int:
    setup_django()
    from ketaclinic.records.billing import services

    actor, patient_id = acting_on_patient(args)
    with service_errors():
        print_json({"balance_cents": services.balance(actor, patient_id)})
    return 0


def run_receipt(args: argparse.Namespace) -> int:
    setup_django()
    from ketaclinic.interop.billing_pdf import statement_pdf
    from ketaclinic.records.billing import services

    actor, patient_id = acting_on_patient(args)
    with service_errors(not_found="--number"):
        pdf = statement_pdf(services.receipt(actor, patient_id, args.number))
    write_whole(args.out, pdf)
    return 0


def run_superbill(args: argparse.Namespace) -> int:
    setup_django()
    from ketaclinic.interop.billing_pdf import statement_pdf
    from ketaclinic.records.billing import services

    actor, patient_id = acting_on_patient(args)
    if args.last < args.first:
        raise UsageError("--to", "must be on or after --from")
    with service_errors({"to": "--to", "from": "--from"}):
        pdf = statement_pdf(services.superbill(actor, patient_id, args.first, args.last))
    write_whole(args.out, pdf)
    return 0
