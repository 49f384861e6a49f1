"""The packaged protocols: required ids, sources on every number, honest evidence notes."""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from ketaclinic.core import DomainInputError, load_toml
from ketaclinic.protocols import Protocol, get_protocol, protocol_ids, protocols
from ketaclinic.protocols.definition import protocol_from_mapping

REQUIRED = {
    "ketamine-iv-0.5mgkg-40min",
    "ketamine-iv-0.5mgkg-60min",
    "ketamine-iv-0.5mgkgh-240min",
    "ketamine-im-0.5mgkg",
    "esketamine-in-56mg",
}
# Words that would claim efficacy; the notes must not use them.
CLAIMS = re.compile(r"\b(effective|efficacious|proven|cures?|works|relieves)\b", re.IGNORECASE)


def _numbers_without_source(data: Any, path: str = "") -> list[str]:
    """Every number in a parsed protocol file must sit in a {value, source} table."""
    if isinstance(data, dict) and "value" in data:
        return [] if str(data.get("source", "")).strip() else [path]
    if isinstance(data, dict):
        children = [(f"{path}.{key}", value) for key, value in data.items()]
    elif isinstance(data, list):
        children = [(f"{path}[{i}]", value) for i, value in enumerate(data)]
    else:
        is_number = isinstance(data, int | float) and not isinstance(data, bool)
        return [path] if is_number else []
    return [miss for where, value in children for miss in _numbers_without_source(value, where)]


def test_required_protocols_exist() -> None:
    assert set(protocol_ids()) >= REQUIRED


DATA_FILES = [
    (package, str(path.relative_to(files(package).joinpath("data"))))
    for package in ("ketaclinic.protocols", "ketaclinic.dosing", "ketaclinic.screening")
    for path in Path(str(files(package).joinpath("data"))).rglob("*.toml")
]


@pytest.mark.parametrize(("package", "name"), DATA_FILES)
def test_every_number_in_every_data_file_has_a_source(package: str, name: str) -> None:
    data = load_toml(package, *name.split("/"))
    assert isinstance(data.get("version"), str)
    assert _numbers_without_source(data) == []


@pytest.mark.parametrize("protocol", protocols(), ids=lambda p: p.id)
def test_evidence_notes_are_honest(protocol: Protocol) -> None:
    note = protocol.evidence_note
    assert CLAIMS.search(note) is None
    assert "not established" in note or "not approved" in note
    assert protocol.evidence_sources


def test_seed_regimen_note_says_where_it_comes_from() -> None:
    note = get_protocol("ketamine-iv-0.5mgkg-40min").evidence_note
    assert "depression research" in note
    assert "80 mg" in note
    assert "not established" in note


def test_seed_regimen_numbers() -> None:
    protocol = get_protocol("ketamine-iv-0.5mgkg-40min")
    assert protocol.route == "iv_infusion"
    assert protocol.dose_quantity == "dose_mg_per_kg"
    assert protocol.session_dose.value == 0.5
    assert protocol.duration_min.value == 40
    assert protocol.sessions.value == 6
    assert protocol.series_span_days.value == 14
    assert get_protocol("ketamine-iv-0.5mgkg-60min").duration_min.value == 60


def test_chronic_pain_regimen_sits_in_the_consensus_range() -> None:
    protocol = get_protocol("ketamine-iv-0.5mgkgh-240min")
    rate_mg_per_kg_per_h = protocol.session_dose.value * 60 / protocol.duration_min.value
    assert 0.5 <= rate_mg_per_kg_per_h <= 2.0
    assert protocol.duration_min.value > 120
    assert protocol.limits["dose_mg"].soft_min is not None
    assert protocol.limits["dose_mg"].soft_min.value == 80
    assert protocol.baseline_lfts


def test_esketamine_observes_at_least_two_hours() -> None:
    protocol = get_protocol("esketamine-in-56mg")
    assert protocol.drug == "esketamine"
    assert protocol.route == "intranasal"
    assert protocol.observation_min.value >= 120
    assert "REMS" in protocol.observation_min.source


def test_im_alternative_is_an_injection() -> None:
    protocol = get_protocol("ketamine-im-0.5mgkg")
    assert protocol.route == "im"
    assert protocol.duration_min.value == 0


def test_pk_doses_describe_one_session() -> None:
    assert get_protocol("ketamine-iv-0.5mgkg-40min").pk_doses() == [
        {"route": "iv_infusion", "dose_mg_per_kg": 0.5, "start_min": 0.0, "duration_min": 40.0}
    ]
    assert get_protocol("esketamine-in-56mg").pk_doses() == [
        {"route": "intranasal", "dose_mg": 56.0, "start_min": 0.0, "duration_min": None}
    ]


def test_as_dict_carries_sources_and_evidence() -> None:
    data = get_protocol("ketamine-iv-0.5mgkg-60min").as_dict()
    assert data["session"]["dose_mg_per_kg"]["source"]
    assert data["limits"]["rate_mg_per_kg_per_h"]["hard_max"]["value"] == 2.0
    assert data["evidence_note"]


def test_unknown_protocol_names_the_field() -> None:
    with pytest.raises(DomainInputError) as error:
        get_protocol("ketamine-oral")
    assert error.value.field == "protocol"
    assert "ketamine-iv-0.5mgkg-40min" in str(error.value)


def _seed_data() -> dict[str, Any]:
    return load_toml("ketaclinic.protocols", "protocols", "ketamine-iv-0.5mgkg-40min.toml")


def test_a_number_without_source_is_rejected() -> None:
    data = _seed_data()
    data["session"]["dose_mg_per_kg"] = {"value": 0.5}
    with pytest.raises(DomainInputError) as error:
        protocol_from_mapping(data)
    assert error.value.field.endswith("session.dose_mg_per_kg.source")


def test_two_dose_bases_are_rejected() -> None:
    data = _seed_data()
    data["session"]["dose_mg"] = {"value": 35, "source": "clinic policy"}
    with pytest.raises(DomainInputError, match="exactly one"):
        protocol_from_mapping(data)


def test_an_infusion_needs_a_duration() -> None:
    data = _seed_data()
    data["session"]["duration_min"] = {"value": 0, "source": "clinic policy"}
    with pytest.raises(DomainInputError) as error:
        protocol_from_mapping(data)
    assert error.value.field.endswith("session.duration_min")


def test_default_dose_outside_its_limits_is_rejected() -> None:
    data = _seed_data()
    data["session"]["dose_mg_per_kg"] = {"value": 1.5, "source": "clinic policy"}
    with pytest.raises(DomainInputError, match="outside its limits"):
        protocol_from_mapping(data)


def test_unordered_limits_are_rejected() -> None:
    data = _seed_data()
    data["limits"]["dose_mg_per_kg"]["soft_max"] = {"value": 2.0, "source": "clinic policy"}
    with pytest.raises(DomainInputError) as error:
        protocol_from_mapping(data)
    assert error.value.field.endswith("limits.dose_mg_per_kg.hard_max")
