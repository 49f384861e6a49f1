"""ECG and laboratory tests (data/lab_tests.toml): checking a result, its abnormal flag, which
required results are missing or too old, and when a follow-up liver test is due."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Literal

from ketaclinic.core import (
    DomainInputError,
    Sourced,
    load_toml,
    read_choice,
    read_sourced,
    read_table,
    read_text,
    read_texts,
)

Kind = Literal["quantity", "coded"]
KINDS: tuple[Kind, ...] = ("quantity", "coded")


@dataclass(frozen=True)
class LabTest:
    id: str
    label: str
    loinc: str
    kind: Kind
    units: tuple[str, ...]
    codes: tuple[str, ...]
    abnormal_codes: tuple[str, ...]
    validity_days: Sourced


@dataclass(frozen=True)
class FollowUpRule:
    tests: tuple[str, ...]
    source: str
    long_session_min: Sourced
    repeated_infusions: Sourced
    due_within_days: Sourced


@dataclass(frozen=True)
class LabCatalog:
    version: str
    tests: Mapping[str, LabTest]
    screening_tests: Mapping[str, tuple[str, ...]]
    follow_up_lft: FollowUpRule


@cache
def lab_catalog() -> LabCatalog:
    data = load_toml(__package__, "lab_tests.toml")
    tests = {}
    for item in data.get("test", []):
        where = f"lab_tests.test.{item.get('id', '?')}"
        test = LabTest(
            id=read_text(item, "id", where),
            label=read_text(item, "label", where),
            loinc=read_text(item, "loinc", where),
            kind=read_choice(item, "kind", where, KINDS),
            units=read_texts(item, "units", where),
            codes=read_texts(item, "codes", where),
            abnormal_codes=read_texts(item, "abnormal_codes", where),
            validity_days=read_sourced(item, "validity_days", where),
        )
        if (test.kind == "quantity") != bool(test.units) or not set(test.abnormal_codes) <= set(
            test.codes
        ):
            raise DomainInputError(where, "a quantity needs units; a coded test needs codes")
        tests[test.id] = test
    mapping = read_table(data, "screening_test", "lab_tests")
    screening_tests = {key: read_texts(mapping, key, "lab_tests.screening_test") for key in mapping}
    rule = read_table(data, "follow_up_lft", "lab_tests")
    where = "lab_tests.follow_up_lft"
    follow_up = FollowUpRule(
        tests=read_texts(rule, "tests", where),
        source=read_text(rule, "source", where),
        long_session_min=read_sourced(rule, "long_session_min", where),
        repeated_infusions=read_sourced(rule, "repeated_infusions", where),
        due_within_days=read_sourced(rule, "due_within_days", where),
    )
    named = {t for ids in screening_tests.values() for t in ids} | set(follow_up.tests)
    if not named <= set(tests):
        raise DomainInputError("lab_tests", f"unknown test(s): {sorted(named - set(tests))}")
    return LabCatalog(
        version=read_text(data, "version", "lab_tests"),
        tests=tests,
        screening_tests=screening_tests,
        follow_up_lft=follow_up,
    )


@dataclass(frozen=True)
class Reading:
    """A checked result: the value (a number with its unit, or a code) and its abnormal flag."""

    test: LabTest
    value: float | None
    unit: str
    code: str
    reference_low: float | None
    reference_high: float | None
    abnormal: bool


def check_result(
    test_id: str,
    *,
    value: float | None = None,
    unit: str = "",
    code: str = "",
    reference_low: float | None = None,
    reference_high: float | None = None,
    flagged_abnormal: bool = False,
) -> Reading:
    """Check a result against its test; abnormal if outside the entered reference range, an
    abnormal code, or flagged abnormal by the laboratory. Raises naming the bad field."""
    test = lab_catalog().tests.get(test_id)
    if test is None:
        raise DomainInputError("test", f"unknown test code {test_id!r}")
    if test.kind == "coded":
        if value is not None or unit or reference_low is not None or reference_high is not None:
            field = "value" if value is not None else "unit" if unit else "reference_low"
            raise DomainInputError(field, f"{test.label} is reported as one of its codes")
        if code not in test.codes:
            raise DomainInputError("code", f"must be one of {', '.join(test.codes)}")
        abnormal = flagged_abnormal or code in test.abnormal_codes
        return Reading(test, None, "", code, None, None, abnormal)
    if code:
        raise DomainInputError("code", f"{test.label} is reported as a number with a unit")
    if value is None or isinstance(value, bool) or not math.isfinite(value) or value < 0:
        raise DomainInputError("value", "must be a number, 0 or more")
    if unit not in test.units:
        raise DomainInputError("unit", f"{unit!r} does not fit {test.label}: use {test.units}")
    if reference_low is not None and reference_high is not None and reference_low > reference_high:
        raise DomainInputError("reference_low", "must not be above reference_high")
    outside = (reference_low is not None and value < reference_low) or (
        reference_high is not None and value > reference_high
    )
    return Reading(
        test, value, unit, "", reference_low, reference_high, flagged_abnormal or outside
    )


@dataclass(frozen=True)
class TestGap:
    """A required result that is missing or older than its validity window."""

    test_id: str
    label: str
    reason: str


def required_results(screening_tests: Iterable[str], baseline_lfts: bool) -> tuple[str, ...]:
    """The result test ids a plan needs: those behind the screening's pre-infusion tests, and
    the liver tests when the protocol asks for baseline LFTs."""
    catalog = lab_catalog()
    ids = [t for s in screening_tests for t in catalog.screening_tests.get(s, ())]
    if baseline_lfts:
        ids.extend(catalog.screening_tests.get("lfts", ()))
    return tuple(dict.fromkeys(ids))


def gaps(required: Iterable[str], latest_on: Mapping[str, date], on: date) -> tuple[TestGap, ...]:
    """Which of ``required`` has no result, or only one older than its validity window on ``on``."""
    found = []
    for test_id in required:
        test = lab_catalog().tests[test_id]
        taken = latest_on.get(test_id)
        window = test.validity_days
        if taken is None:
            found.append(TestGap(test_id, test.label, "no result recorded"))
        elif (on - taken).days > window.value:
            found.append(
                TestGap(
                    test_id,
                    test.label,
                    f"latest result {taken.isoformat()} is older than {window.value:g} days "
                    f"({window.source})",
                )
            )
    return tuple(found)


@dataclass(frozen=True)
class FollowUpLft:
    due_by: date
    reason: str
    source: str


def follow_up_lft(
    *,
    session_duration_min: float,
    infusions_in_12_months: int,
    last_infusion_on: date | None,
) -> FollowUpLft | None:
    """A follow-up liver test after a long or repeated regimen: due within the window after the
    last infusion. None when the regimen is neither long nor repeated, or nothing was given."""
    rule = lab_catalog().follow_up_lft
    if last_infusion_on is None:
        return None
    long_regimen = session_duration_min > rule.long_session_min.value
    repeated = infusions_in_12_months > rule.repeated_infusions.value
    if not (long_regimen or repeated):
        return None
    why = (
        f"sessions longer than {rule.long_session_min.value:g} min"
        if long_regimen
        else f"more than {rule.repeated_infusions.value:g} infusions in 12 months"
    )
    return FollowUpLft(
        due_by=last_infusion_on + timedelta(days=int(rule.due_within_days.value)),
        reason=f"follow-up liver tests after a long or repeated regimen ({why})",
        source=rule.source,
    )
