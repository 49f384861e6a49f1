"""Screening a patient against the rule set: eligible, needs physician review, or not eligible."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from ketaclinic.protocols import get_protocol

from .allergies import allergens_version, conditions_from
from .conditions import conditions_version
from .medications import ClassMatch, Medication, classify, medication_catalog, named_drugs
from .patient import ScreeningInput
from .rules import SEVERITY_ORDER, FindingOutcome, Outcome, Rule, RuleSet, rule_set
from .spelling import propose


@dataclass(frozen=True)
class Finding:
    """One reason for the result, with its source and what in the record triggered it."""

    rule_id: str
    outcome: FindingOutcome
    reason: str
    source: str
    matched: tuple[str, ...]
    outcome_basis: str = ""

    def as_dict(self) -> dict[str, Any]:
        data = {
            "rule": self.rule_id,
            "outcome": self.outcome,
            "reason": self.reason,
            "source": self.source,
            "matched": list(self.matched),
        }
        if self.outcome_basis:
            data["outcome_basis"] = self.outcome_basis
        return data


@dataclass(frozen=True)
class RequiredTest:
    test_id: str
    label: str
    source: str
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "test": self.test_id,
            "label": self.label,
            "source": self.source,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class ScreeningResult:
    outcome: Outcome
    findings: tuple[Finding, ...]
    required_tests: tuple[RequiredTest, ...]
    rules_version: str
    conditions_version: str
    medications_version: str
    protocol_id: str | None
    protocol_version: str | None

    @property
    def rule_set_version(self) -> str:
        """One string to store with a physician's decision."""
        return (
            f"rules {self.rules_version}; conditions {self.conditions_version}; "
            f"medications {self.medications_version}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "rule_set_version": self.rule_set_version,
            "protocol": self.protocol_id,
            "protocol_version": self.protocol_version,
            "reasons": [finding.as_dict() for finding in self.findings],
            "required_tests": [test.as_dict() for test in self.required_tests],
        }


class _Collector:
    """Findings and the tests they require, in rule order."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.test_reasons: dict[str, list[str]] = defaultdict(list)

    def add(self, rule: Rule, matched: tuple[str, ...], source: str | None = None) -> None:
        self.findings.append(
            Finding(
                rule.id,
                rule.outcome,
                rule.reason,
                source or rule.source,
                matched,
                rule.outcome_basis,
            )
        )
        for test_id in rule.tests:
            self.test_reasons[test_id].append(rule.reason)


def screen(patient: ScreeningInput) -> ScreeningResult:
    """Apply every rule to the patient; the result's outcome is the worst finding's."""
    rules = rule_set()
    found = _Collector()
    flags = set(patient.history_flags) | ({"pregnancy"} if patient.pregnant else set())
    from_allergies = conditions_from(patient.allergies)
    for rule in rules.condition_rules:
        hits = tuple(c for c in rule.triggers if c in flags) + tuple(
            from_allergies[c] for c in rule.triggers if c in from_allergies and c not in flags
        )
        if hits:
            found.add(rule, hits)
    _screen_free_text_allergies(patient, found)
    if patient.sex == "female" and patient.pregnant is None and "pregnancy" not in flags:
        found.add(rules.pregnancy_status_unknown, ("pregnant: not recorded",))
    _screen_medications(patient, rules, found)
    _screen_measures(patient, rules, found)
    protocol_version = None
    if patient.protocol_id is not None:
        protocol_version = _screen_protocol(patient, patient.protocol_id, found)
    for test in rules.tests.values():
        if test.always:
            found.test_reasons[test.id].append("required for every patient")
    required = tuple(
        RequiredTest(test.id, test.label, test.source, tuple(found.test_reasons[test.id]))
        for test in rules.tests.values()
        if test.id in found.test_reasons
    )
    return ScreeningResult(
        outcome=_overall(found.findings),
        findings=tuple(found.findings),
        required_tests=required,
        rules_version=rules.version,
        conditions_version=conditions_version(),
        medications_version=medication_catalog().version,
        protocol_id=patient.protocol_id,
        protocol_version=protocol_version,
    )


def _screen_free_text_allergies(patient: ScreeningInput, found: _Collector) -> None:
    """An allergy that names no known allergen cannot be checked by the rules: say so."""
    for allergy in patient.allergies:
        if allergy.flagged:
            found.findings.append(
                Finding(
                    "allergy-free-text",
                    "note",
                    "An allergy is recorded as free text: check that it does not concern "
                    "ketamine or the rescue drugs",
                    f"allergen vocabulary {allergens_version()}",
                    (f"allergy: {allergy.text}",),
                )
            )


def _screen_medications(patient: ScreeningInput, rules: RuleSet, found: _Collector) -> None:
    by_class: dict[str, list[ClassMatch]] = defaultdict(list)
    for medication in patient.medications:
        placed = classify(medication) + _misspelt_or_unknown(medication, rules, found)
        for match in placed:
            by_class[match.class_id].append(match)
    for rule in rules.medication_rules:
        matches = [m for class_id in rule.triggers for m in by_class.get(class_id, [])]
        if matches:
            sources = dict.fromkeys([rule.source, *(m.source for m in matches if m.source)])
            found.add(
                rule,
                tuple(f"{m.medication} ({m.matched_by})" for m in matches),
                "; ".join(sources),
            )


def _misspelt_or_unknown(
    medication: Medication, rules: RuleSet, found: _Collector
) -> tuple[ClassMatch, ...]:
    """A word close to a known drug it does not spell (``lorazapam``, also beside a known one in
    ``paracetamol + lorazapam``) is proposed for confirmation and its classes count, marked
    unconfirmed; a medication neither its name nor its recorded class places is sent for
    review. Never passed silently."""
    known = named_drugs(medication.name)
    proposal = propose(medication.name)
    if proposal is not None and proposal.drug not in known:
        drug = proposal.drug
        found.add(rules.misspelt_medication, (f"{medication.name}: did you mean {drug.name}?",))
        matched_by = f"unconfirmed spelling of '{proposal.term}'"
        return tuple(
            ClassMatch(class_id, medication.name, matched_by, drug.source)
            for class_id in drug.class_ids
        )
    if not known and not classify(medication):
        found.add(rules.unrecognised_medication, (medication.name,))
    return ()


def _screen_measures(patient: ScreeningInput, rules: RuleSet, found: _Collector) -> None:
    values = {"age_years": float(patient.age_years)}
    if patient.vitals is not None:
        values.update((k, v) for k, v in vars(patient.vitals).items() if v is not None)
    for rule in rules.measure_rules:
        value = values.get(rule.measure)
        if value is not None and rule.fires(value):
            found.findings.append(
                Finding(
                    rule.id,
                    rule.outcome,
                    rule.reason,
                    rule.threshold.source,
                    (f"{rule.measure} {value:g}",),
                )
            )


def _screen_protocol(patient: ScreeningInput, protocol_id: str, found: _Collector) -> str:
    """Tests and notes the planned protocol adds; returns its version."""
    protocol = get_protocol(protocol_id)
    if protocol.baseline_lfts:
        found.test_reasons["lfts"].append(f"planned protocol: {protocol.baseline_lfts_source}")
    found.findings.extend(
        Finding(f"protocol-{protocol.id}", "note", note, protocol.id, ("protocol_id",))
        for note in protocol.monitoring_notes
    )
    if protocol.weight_policy != "actual" and patient.height_cm is None:
        found.findings.append(
            Finding(
                "height-needed",
                "note",
                f"Height is needed for the planned protocol's {protocol.weight_policy} "
                "weight policy",
                protocol.weight_policy_source,
                ("height_cm",),
            )
        )
    return protocol.version


def _overall(findings: list[Finding]) -> Outcome:
    outcomes = {finding.outcome for finding in findings}
    worst = next((o for o in SEVERITY_ORDER if o in outcomes and o != "note"), None)
    return "eligible" if worst is None else worst
