"""``ketaclinic instruments``: list the assessment instruments, show one, list the bundles."""

from __future__ import annotations

import argparse
from typing import Any

from .actions import command_with_actions
from .base import Subparsers, UsageError, add_format_option, print_json, print_table


def register(commands: Subparsers) -> None:
    actions = command_with_actions(
        commands, "instruments", help="list and show assessment instruments", dest="action"
    )

    listing = actions.add_parser("list", help="every instrument with its version")
    add_format_option(listing)
    listing.set_defaults(handler=run_list)

    show = actions.add_parser("show", help="one instrument's full definition")
    show.add_argument("instrument", metavar="INSTRUMENT", help="instrument id, e.g. fiqr")
    show.add_argument(
        "--version", dest="definition_version", metavar="VERSION", help="an earlier version"
    )
    add_format_option(show)
    show.set_defaults(handler=run_show)

    bundles = actions.add_parser("bundles", help="instrument bundles, e.g. the baseline intake")
    add_format_option(bundles)
    bundles.set_defaults(handler=run_bundles)


def run_list(args: argparse.Namespace) -> int:
    from ketaclinic.instruments import default_registry

    rows = [
        {
            "id": definition.id,
            "version": definition.version,
            "title": definition.title,
            "respondent": definition.respondent,
            "recall_period": definition.recall_period,
            "items": len(definition.items),
            "total_min": definition.total_min,
            "total_max": definition.total_max,
        }
        for definition in default_registry().definitions()
    ]
    if args.format == "json":
        print_json(rows)
    else:
        print_table(rows, ("id", "version", "title", "respondent", "items"), title="Instruments")
    return 0


def run_show(args: argparse.Namespace) -> int:
    from ketaclinic.instruments import InstrumentError, default_registry

    try:
        definition = default_registry().get(args.instrument, args.definition_version)
    except InstrumentError as error:
        raise UsageError(error.field, error.message) from error
    if args.format == "json":
        print_json(definition.as_dict())
        return 0
    rows = [
        {
            "id": item.id,
            "group": item.group,
            "label": item.label,
            "answer": _answer_text(item.answer.model_dump()),
        }
        for item in definition.items
    ]
    title = f"{definition.title} — version {definition.version}, {definition.recall_period}"
    print_table(rows, ("id", "group", "label", "answer"), title=title)
    if definition.bands:
        bands = [band.model_dump() for band in definition.bands]
        print_table(bands, ("code", "label", "min", "max", "urgent", "source"), title="Bands")
    return 0


def run_bundles(args: argparse.Namespace) -> int:
    from ketaclinic.instruments import default_registry

    bundles = [bundle.as_dict() for bundle in default_registry().bundles()]
    if args.format == "json":
        print_json(bundles)
    else:
        rows = [{**bundle, "instruments": ", ".join(bundle["instruments"])} for bundle in bundles]
        print_table(rows, ("id", "version", "title", "instruments"), title="Bundles")
    return 0


def _answer_text(scale: dict[str, Any]) -> str:
    if scale["kind"] == "boolean":
        return "yes / no"
    return f"{scale['min']}–{scale['max']}"
