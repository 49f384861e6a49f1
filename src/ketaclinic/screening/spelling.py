"""Proposing the known drug a misspelt medication name probably means (for confirmation).

A proposal is never taken as the answer: the screening shows it as a finding for a physician
or pharmacist to confirm. Similarity is RapidFuzz's normalised InDel ratio (0-100) between
each word of the name and each one-word drug name or alias, or the whole name and a
many-word one; the cut-off is clinic policy (one wrong letter in a nine-letter name scores 89).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from rapidfuzz import fuzz, process

from .medications import KnownDrug, medication_catalog

SIMILARITY_CUTOFF = 85.0  # clinic policy
SHORTEST_WORD = 4  # shorter words ("mg", "bd", "xr") are doses and forms, not names


@dataclass(frozen=True)
class Proposal:
    """``written`` looks like ``term``, a name or alias of ``drug``."""

    written: str
    term: str
    drug: KnownDrug
    similarity: float


@cache
def _terms() -> dict[str, KnownDrug]:
    return {term: drug for drug in medication_catalog().drugs for term in drug.terms}


def propose(name: str) -> Proposal | None:
    """The known drug a word of ``name`` (or the whole name) most resembles without being
    spelt exactly like it, if any resembles it closely enough."""
    text = name.casefold().strip()
    words = [w for w in re.findall(r"[a-z][a-z'.-]*", text) if len(w) >= SHORTEST_WORD]
    best: Proposal | None = None
    for written in dict.fromkeys([*words, text]):
        if written in _terms():
            continue
        found = process.extractOne(
            written, list(_terms()), scorer=fuzz.ratio, score_cutoff=SIMILARITY_CUTOFF
        )
        if found is not None and (best is None or found[1] > best.similarity):
            term, similarity, _ = found
            best = Proposal(written, term, _terms()[term], similarity)
    return best
