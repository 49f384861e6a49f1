"""The research export's files: the de-identified tables, how each Safe Harbor identifier is
handled, and the data dictionary."""

from __future__ import annotations

from collections.abc import Sequence

from ketaclinic.records.outcomes.research import SAFE_HARBOR
from ketaclinic.records.outcomes.tables import Column, Table

from .tables import with_dictionary


def deidentification_table() -> Table:
    return Table(
        "deidentification",
        "how each HIPAA Safe Harbor identifier (45 CFR 164.514(b)(2)) is handled",
        (Column("identifier", "the identifier"), Column("handling", "how this export handles it")),
        lambda: SAFE_HARBOR,
    )


def research_files(tables: Sequence[Table]) -> list[Table]:
    """The tables, the de-identification notes and the data dictionary."""
    return with_dictionary(tables, [deidentification_table()])
