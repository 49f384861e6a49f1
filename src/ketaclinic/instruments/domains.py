"""Scoring by weighted domains with proration of missing items (the FIQR method)."""

from __future__ import annotations

from fractions import Fraction

from .answers import Answers
from .definitions import Definition, DomainScoring
from .results import Parts


def score_domains(definition: Definition, scoring: DomainScoring, answers: Answers) -> Parts:
    """Each domain: sum × items / answered, divided by its divisor; invalid past its limits."""
    subscores: dict[str, Fraction | None] = {}
    reasons: list[str] = []
    for group in definition.groups:
        rule = scoring.domains[group.id]
        items = definition.group_items(group.id)
        unanswered = answers.unanswered(items)
        if len(unanswered) > rule.max_missing:
            allowed = f"at most {rule.max_missing} may be" if rule.max_missing else "none may be"
            reasons.append(
                f"{group.label}: {len(unanswered)} of {len(items)} items unanswered "
                f"({', '.join(unanswered)}); {allowed} unanswered"
            )
            subscores[group.id] = None
            continue
        answered = [value for item in items if (value := answers.values[item.id]) is not None]
        subscores[group.id] = Fraction(sum(answered) * len(items), len(answered) * rule.divisor)
    limit = definition.missing.multiple_answers_invalid_at
    if limit is not None and len(answers.multiple) >= limit:
        reasons.append(
            f"several answers marked on {len(answers.multiple)} items "
            f"({', '.join(answers.multiple)}); invalid at {limit} or more"
        )
    total = None if reasons else sum((s for s in subscores.values() if s is not None), Fraction(0))
    return Parts(total=total, subscores=subscores, invalid_reasons=tuple(reasons))
