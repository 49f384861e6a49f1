"""``ketaclinic protocols list|show``: the therapy protocols, with their evidence notes."""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .base import Subparsers, UsageError, add_format_option, print_json, print_table

if TYPE_CHECKING:
    from ketaclinic.protocols import Protocol


def register(commands: Subparsers) -> None:
    parser = commands.add_parser("protocols", help="list and show therapy protocols")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="every protocol with its version")
    add_format_option(listing)
    show = actions.add_parser("show", help="one protocol: evidence note, doses, limits, sources")
    show.add_argument("protocol_id", metavar="ID", help="e.g. ketamine-iv-0.5mgkg-40min")
    add_format_option(show)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ketaclinic.core import DomainInputError
    from ketaclinic.protocols import get_protocol, protocols

    if args.action == "list":
        rows = [_summary(protocol) for protocol in protocols()]
        if args.format == "json":
            print_json(rows)
        else:
            columns = ("id", "version", "route", "session_dose", "duration_min", "sessions")
            print_table(rows, columns, title="Protocols")
        return 0
    try:
        protocol = get_protocol(args.protocol_id)
    except DomainInputError as error:
        raise UsageError(error.field, error.message) from error
    if args.format == "json":
        print_json(protocol.as_dict())
    else:
        _print_protocol_tables(protocol)
    return 0


def plain_rows(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows with text escaped so that rich prints "[clinical.md 2]" instead of eating it."""
    from rich.markup import escape

    return [
        {key: escape(value) if isinstance(value, str) else value for key, value in row.items()}
        for row in rows
    ]


def _summary(protocol: Protocol) -> dict[str, Any]:
    unit = "mg/kg" if protocol.dose_quantity == "dose_mg_per_kg" else "mg"
    return {
        "id": protocol.id,
        "version": protocol.version,
        "name": protocol.name,
        "drug": protocol.drug,
        "route": protocol.route,
        "session_dose": f"{protocol.session_dose.value:g} {unit}",
        "duration_min": protocol.duration_min.value,
        "sessions": protocol.sessions.value,
        "observation_min": protocol.observation_min.value,
    }


def _print_protocol_tables(protocol: Protocol) -> None:
    rows = [
        {"item": f"session {protocol.dose_quantity}", **protocol.session_dose.as_dict()},
        {"item": "duration_min", **protocol.duration_min.as_dict()},
        {"item": "observation_min", **protocol.observation_min.as_dict()},
        {"item": "sessions", **protocol.sessions.as_dict()},
        {"item": "series span_days", **protocol.series_span_days.as_dict()},
        {"item": "min_interval_days", **protocol.min_interval_days.as_dict()},
        {
            "item": f"weight policy: {protocol.weight_policy}",
            "source": protocol.weight_policy_source,
        },
        {
            "item": f"titration step ({protocol.titration_rule})",
            **protocol.titration_step.as_dict(),
        },
    ]
    if protocol.weight_cap_kg is not None:
        rows.append({"item": "weight cap_kg", **protocol.weight_cap_kg.as_dict()})
    print_table(
        plain_rows(rows),
        ("item", "value", "source", "note"),
        title=f"{protocol.name} ({protocol.version})",
    )
    limits = [
        {"limit": f"{quantity} {bound_name}", **bound}
        for quantity, limit in protocol.limits.items()
        for bound_name, bound in limit.as_dict().items()
    ]
    print_table(plain_rows(limits), ("limit", "value", "source", "note"), title="Limits")
    print(f"\nEvidence: {protocol.evidence_note}")
    for source in protocol.evidence_sources:
        print(f"  - {source}")
