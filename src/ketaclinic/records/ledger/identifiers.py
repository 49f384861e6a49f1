"""The shapes of a National Drug Code and of a DEA registration number (docs/ledger.md)."""

from __future__ import annotations

import re

# 10-digit NDCs are printed 4-4-2, 5-3-2 or 5-4-1; the 11-digit billing form is 5-4-2.
_NDC = re.compile(r"^(\d{4}-\d{4}-\d{2}|\d{5}-\d{3}-\d{2}|\d{5}-\d{4}-\d{1,2})$")
# Two letters (the second may be 9 for a business name), six digits and a check digit.
_DEA = re.compile(r"^[A-Z][A-Z9]\d{7}$")


def ndc_problem(ndc: str) -> str | None:
    """Why ``ndc`` is not a hyphenated NDC, or None."""
    if not _NDC.match(ndc):
        return "write the NDC with its hyphens: 4-4-2, 5-3-2, 5-4-1 or 5-4-2 digits"
    return None


def dea_number_problem(number: str) -> str | None:
    """Why ``number`` is not a well-formed DEA registration number, or None."""
    if not _DEA.match(number):
        return "must be two letters and seven digits, e.g. AB1234563"
    digits = [int(d) for d in number[2:]]
    check = (digits[0] + digits[2] + digits[4] + 2 * (digits[1] + digits[3] + digits[5])) % 10
    if check != digits[6]:
        return "the check digit does not match: look at the number again"
    return None
