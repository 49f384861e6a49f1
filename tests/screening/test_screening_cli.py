"""``ketaclinic screen --patient-file``, run in-process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ketaclinic.cli import main


def write(tmp_path: Path, data: Any) -> str:
    path = tmp_path / "patient.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["screen", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


PATIENT = {
    "date_of_birth": "1975-03-14",
    "sex": "female",
    "weight_kg": 72,
    "height_cm": 165,
    "history_flags": ["hypertension"],
    "medications": [{"name": "Pregabalin 150 mg"}, {"name": "Sertraline", "class": "SSRI"}],
    "pregnant": False,
    "protocol_id": "ketamine-iv-0.5mgkg-40min",
    "vitals": {"sbp_mm_hg": 132, "dbp_mm_hg": 84, "heart_rate_per_min": 70},
}


def test_screen_as_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--patient-file", write(tmp_path, PATIENT), "--on", "2025-06-01")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["outcome"] == "needs_physician_review"
    assert [reason["rule"] for reason in data["reasons"]] == [
        "cardiovascular-risk",
        "unrecognised-medication",  # Sertraline: not in the vocabulary, never passed silently
        "cns-depressants",
        "fibromyalgia-medicines",
    ]
    assert {test["test"] for test in data["required_tests"]} == {"ecg", "urinary_symptom_screen"}
    assert data["protocol"] == "ketamine-iv-0.5mgkg-40min"
    assert data["rule_set_version"].startswith("rules 2026.1")


def test_screen_as_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patient = {**PATIENT, "history_flags": ["schizophrenia"]}
    code, out, _ = run(capsys, "--patient-file", write(tmp_path, patient), "--format", "table")
    assert code == 0
    assert "not_eligible" in out
    assert "Pre-infusion tests" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "--patient-file: is not valid JSON"),
        ({**PATIENT, "history_flags": ["gout"]}, "history_flags: unknown condition(s): gout"),
        ({**PATIENT, "weight_kg": 0}, "weight_kg: must be between"),
        ({**PATIENT, "protocol_id": "nope"}, "protocol: unknown protocol"),
        ([1, 2], "patient: must be a JSON object"),
        ({**PATIENT, "allergies": [{"allergen": "cats"}]}, "allergies[0]: 'cats' is not a known"),
    ],
)
def test_bad_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: Any, message: str
) -> None:
    code, out, err = run(capsys, "--patient-file", write(tmp_path, content))
    assert (code, out) == (2, "")
    assert message in err
    assert "Traceback" not in err


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--patient-file", str(tmp_path / "absent.json"))
    assert code == 2
    assert "--patient-file: cannot read it" in err


def test_bad_date_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--patient-file", write(tmp_path, PATIENT), "--on", "June")
    assert code == 2
    assert "--on: must be a date" in err


def test_a_ketamine_allergy_typed_as_text_is_not_eligible(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    patient = {**PATIENT, "allergies": ["Ketamine (anaphylaxis)", "latex"]}
    code, out, _ = run(capsys, "--patient-file", write(tmp_path, patient), "--on", "2025-06-01")
    assert code == 0
    data = json.loads(out)
    assert data["outcome"] == "not_eligible"
    assert "allergy: Ketamine (anaphylaxis)" in {m for r in data["reasons"] for m in r["matched"]}
