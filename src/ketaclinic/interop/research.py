"""The research export's files: the de-identified tables (or the limited data set), how each
Safe Harbor identifier is handled, and the data dictionary."""

from __future__ import annotations

from collections.abc import Sequence

from ketaclinic.records.outcomes.research import Variant, handling
from ketaclinic.records.outcomes.tables import Column, Table

from .tables import with_dictionary


def deidentification_table(variant: Variant, agreement: str) -> Table:
    rows = handling(variant, agreement)
    return Table(
        "deidentification",
        "how each HIPAA Safe Harbor identifier (45 CFR 164.514(b)(2)) is handled",
        (Column("identifier", "the identifier"), Column("handling", "how this export handles it")),
        lambda: rows,
    )


def research_files(
    tables: Sequence[Table], variant: Variant = Variant.SAFE_HARBOR, agreement: str = ""
) -> list[Table]:
    """The tables, the de-identification notes and the data dictionary."""
    return with_dictionary(tables, [deidentification_table(variant, agreement)])
