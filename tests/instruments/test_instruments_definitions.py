"""Definitions as data: the packaged set, JSON forms, sources, and a clinic's overrides."""

from __future__ import annotations

import json
from typing import Any

import pytest
from instruments_support import answers_for

from ketaclinic.instruments import (
    LOCAL_CODE_SYSTEM,
    DefinitionError,
    InstrumentError,
    default_registry,
    load_registry,
    packaged_toml,
    score,
)

EXPECTED_IDS = {
    "acr2016",
    "fiqr",
    "phq9",
    "gad7",
    "pgic",
    "cadss6",
    "aldrete",
    "nrs_pain_average",
    "nrs_pain_worst",
    "nrs_pain_now",
    "nrs_fatigue",
    "nrs_sleep_quality",
    "nrs_cognition",
    "nrs_mood",
}


def test_every_instrument_of_the_issue_is_packaged() -> None:
    assert set(default_registry().ids()) == EXPECTED_IDS


@pytest.mark.parametrize("instrument_id", sorted(EXPECTED_IDS))
def test_definition_json_has_what_a_form_needs(instrument_id: str) -> None:
    definition = default_registry().get(instrument_id)
    data = json.loads(json.dumps(definition.as_dict()))
    for key in ("id", "version", "title", "recall_period", "source", "codes", "missing", "bands"):
        assert key in data
    assert [item["id"] for item in data["items"]] == [item.id for item in definition.items]
    for item in data["items"]:
        assert item["label"]
        assert item["codes"]
        assert item["answer"]["min"] < item["answer"]["max"]
        assert all(set(anchor) == {"value", "label"} for anchor in item["answer"]["anchors"])


def numbers_without_source(node: Any, sourced: bool, path: str) -> list[str]:
    """Paths of numbers that neither their object nor any enclosing object gives a source."""
    if isinstance(node, dict):
        sourced = sourced or "source" in node
        return [
            found
            for key, value in node.items()
            for found in numbers_without_source(value, sourced, f"{path}.{key}")
        ]
    if isinstance(node, list):
        return [
            found
            for index, value in enumerate(node)
            for found in numbers_without_source(value, sourced, f"{path}[{index}]")
        ]
    is_number = isinstance(node, int | float) and not isinstance(node, bool)
    return [path] if is_number and not sourced else []


@pytest.mark.parametrize("instrument_id", sorted(EXPECTED_IDS))
def test_every_number_in_a_definition_has_a_source(instrument_id: str) -> None:
    data = default_registry().get(instrument_id).as_dict()
    # The top level's own source is the citation; totals are derived from the item scales.
    nested = {key: value for key, value in data.items() if key not in ("total_min", "total_max")}
    found = [
        path
        for key, value in nested.items()
        for path in numbers_without_source(value, False, f"{instrument_id}.{key}")
    ]
    assert found == []


def test_items_keep_the_source_order() -> None:
    phq9 = default_registry().get("phq9")
    assert [item.id for item in phq9.items] == [f"phq9_{n}" for n in range(1, 10)]
    acr = default_registry().get("acr2016")
    assert [item.id for item in acr.items][:4] == [
        "wpi_jaw_left",
        "wpi_shoulder_left",
        "wpi_upper_arm_left",
        "wpi_lower_arm_left",
    ]
    assert len(acr.items) == 19 + 6 + 1


def test_acr2016_groups_the_19_areas_into_5_regions() -> None:
    acr = default_registry().get("acr2016")
    regions = [group for group in acr.groups if group.kind == "region"]
    assert [len(acr.group_items(group.id)) for group in regions] == [4, 4, 3, 3, 5]


def test_loinc_codes_from_clinical_md() -> None:
    registry = default_registry()
    assert registry.get("phq9").codes[0].code == "44261-6"
    assert registry.get("phq9").item("phq9_9").codes[0].code == "44260-8"
    assert registry.get("phq9").panel_codes[0].status == "unconfirmed"
    assert registry.get("gad7").codes[0].code == "70274-6"
    fiqr_code = registry.get("fiqr").codes[0]
    assert (fiqr_code.system, fiqr_code.status) == (LOCAL_CODE_SYSTEM, "local")
    item_code = registry.get("gad7").item("gad7_1").codes[0]
    assert (item_code.system, item_code.code) == (LOCAL_CODE_SYSTEM, "gad7.gad7_1")


def test_licensed_wording_is_marked_as_project_written() -> None:
    registry = default_registry()
    assert registry.get("fiqr").wording.status == "project"
    assert registry.get("phq9").wording.status == "original"
    assert registry.get("gad7").wording.status == "original"


def test_baseline_intake_bundle() -> None:
    registry = default_registry()
    bundle = registry.bundle("baseline_intake")
    assert bundle.instruments[:4] == ("acr2016", "fiqr", "phq9", "gad7")
    # Every past-24-hours scale; "pain right now" is asked at the infusion, not at intake.
    assert {i for i in bundle.instruments if i.startswith("nrs_")} == {
        i
        for i in EXPECTED_IDS
        if i.startswith("nrs_") and registry.get(i).recall_period == "past 24 hours"
    }
    assert "nrs_pain_now" not in bundle.instruments
    with pytest.raises(InstrumentError, match="unknown bundle"):
        default_registry().bundle("follow_up")


def phq9_text(replacements: dict[str, str] | None = None, version: str = "2.0.0") -> str:
    """The packaged PHQ-9 file as a clinic override: a new version, then ``replacements``."""
    text = packaged_toml()["phq9.toml"].replace('version = "1.0.0"', f'version = "{version}"')
    for old, new in (replacements or {}).items():
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def test_a_clinic_override_needs_a_new_version_and_keeps_the_old_one() -> None:
    severe_is_urgent = {
        'max = 27\nsource = "Kroenke 2001 (clinical.md §5)"': (
            'max = 27\nurgent = true\nsource = "clinic policy: severe depression is urgent"'
        )
    }
    registry = load_registry([phq9_text(severe_is_urgent, version="1.1.0")])
    assert registry.get("phq9").version == "1.1.0"
    assert registry.get("phq9", "1.0.0").version == "1.0.0"
    assert registry.versions("phq9") == ("1.0.0", "1.1.0")
    with pytest.raises(InstrumentError, match=r"phq9 version 9\.9"):
        registry.get("phq9", "9.9")
    result = score("phq9", answers_for("phq9", 3, phq9_9=0), registry)
    assert result.version == "1.1.0"
    (alert,) = result.alerts
    assert (alert.code, alert.urgent) == ("phq9_band_severe", True)
    assert "urgent band 'Severe'" in alert.message
    # The packaged registry is unchanged.
    assert score("phq9", answers_for("phq9", 3, phq9_9=0)).alerts == ()


def test_an_override_with_the_same_version_is_refused() -> None:
    with pytest.raises(DefinitionError, match="loaded twice") as caught:
        load_registry([phq9_text(version="1.0.0")])
    assert caught.value.field == "phq9.version"


@pytest.mark.parametrize(
    ("replacements", "field", "message"),
    [
        ({"max = 9\n": "max = 8\n"}, "", "band moderate must start at 9"),
        ({"max = 27\n": "max = 26\n"}, "", "bands must cover the total range 0–27"),
        ({"above = 0": "above = 3"}, "", "alert phq9_item9: above=3 can never fire"),
        ({'label = "Poor appetite or overeating"': 'label = ""'}, ".items.4.label", "at least 1"),
        ({'id = "phq9_2"': 'id = "phq9_1"'}, "", "item ids repeat: ['phq9_1']"),
        ({'policy = "required"': 'policy = "optional"'}, ".missing.policy", "'required'"),
        ({'method = "sum"': 'method = "average"'}, ".scoring", "method"),
        (
            {'source = "Kroenke 2001: total 0–27 (clinical.md §5)"\n': ""},
            ".scoring.sum.source",
            "Field required",
        ),
    ],
)
def test_malformed_definitions_are_refused_naming_the_field(
    replacements: dict[str, str], field: str, message: str
) -> None:
    with pytest.raises(DefinitionError) as caught:
        load_registry([phq9_text(replacements)])
    assert caught.value.field == f"extra[0]: instruments[0]{field}"
    assert message in str(caught.value)


def test_an_unknown_scale_is_refused() -> None:
    text = phq9_text({"[instruments.scales.default]": "[instruments.scales.other]"})
    with pytest.raises(DefinitionError, match="no scale named 'default'") as caught:
        load_registry([text])
    assert caught.value.field == "extra[0]: instruments[0].items[0].scale"


def test_invalid_toml_and_unknown_top_level_keys_are_refused() -> None:
    with pytest.raises(DefinitionError, match="not valid TOML") as caught:
        load_registry(["[[instruments]\n"])
    assert caught.value.field == "extra[0]"
    with pytest.raises(DefinitionError, match="unknown top-level keys"):
        load_registry(['version = "1"\n'])


def test_a_bundle_naming_an_unknown_instrument_is_refused() -> None:
    text = (
        '[[bundles]]\nid = "pre_infusion"\nversion = "1"\ntitle = "Before infusion"\n'
        'instruments = ["nrs_pain_average", "bpi"]\nsource = "clinic policy"\n'
    )
    with pytest.raises(DefinitionError, match=r"unknown instruments \['bpi'\]"):
        load_registry([text])


def test_scales_must_be_tables() -> None:
    text = phq9_text(
        {"[instruments.scales.default]": "[instruments.scales]\ndefault = 3\n[instruments.x]"}
    )
    with pytest.raises(DefinitionError, match="must be tables") as caught:
        load_registry([text])
    assert caught.value.field == "extra[0]: instruments[0].scales"
