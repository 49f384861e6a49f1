"""``ketaclinic score`` and ``ketaclinic instruments``, run in-process."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from instruments_support import acr_answers, answers_for

from ketaclinic.cli import main


def write(tmp_path: Path, data: Any, name: str = "answers.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_score_prints_the_result_as_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = write(tmp_path, answers_for("phq9", 1))
    code, out, err = run(capsys, "score", "phq9", "--answers", answers)
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert list(data) == [
        "instrument",
        "version",
        "total",
        "subscores",
        "band",
        "valid",
        "invalid_reasons",
        "criteria",
        "alerts",
    ]
    assert (data["instrument"], data["version"], data["total"]) == ("phq9", "1.0.0", 9)
    assert data["band"]["code"] == "mild"
    assert data["valid"] is True
    assert [(a["code"], a["severity"], a["urgent"]) for a in data["alerts"]] == [
        ("phq9_item9", "urgent", True)
    ]


def test_score_acr2016_reports_the_criteria(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = write(tmp_path, acr_answers(("wpi_neck", "wpi_chest"), severity=(1, 1, 1)))
    code, out, _ = run(capsys, "score", "acr2016", "--answers", answers)
    data = json.loads(out)
    assert code == 0
    assert data["subscores"] == {"wpi": 2, "sss": 3, "regions": 1}
    assert data["criteria"]["met"] is False
    assert len(data["criteria"]["reasons"]) == 2


def test_score_fiqr_invalid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = write(tmp_path, answers_for("fiqr", 5, pain=None))
    code, out, _ = run(capsys, "score", "fiqr", "--answers", answers)
    data = json.loads(out)
    assert code == 0
    assert (data["valid"], data["total"], data["band"]) == (False, None, None)
    assert "pain" in data["invalid_reasons"][0]


def test_score_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = write(tmp_path, answers_for("aldrete", 2, circulation=0))
    code, out, _ = run(capsys, "score", "aldrete", "--answers", answers, "--format", "table")
    assert code == 0
    assert "aldrete 1.0.0" in out
    assert "NOT met" in out


def test_score_reads_standard_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO('{"nrs_fatigue": 6}'))
    code, out, _ = run(capsys, "score", "nrs_fatigue", "--answers", "-")
    assert code == 0
    assert json.loads(out)["total"] == 6


@pytest.mark.parametrize(
    ("instrument", "answers", "message"),
    [
        ("phq9", {"phq9_1": 4}, "ketaclinic score: phq9_1: 4 is outside the range 0–3"),
        ("phq9", {"phq9_10": 1}, "ketaclinic score: phq9_10: unknown item for instrument phq9"),
        ("phq9", {"phq9_1": 1}, "ketaclinic score: phq9_2: no answer; every item of phq9"),
        ("gad7", {"gad7_1": "2"}, "ketaclinic score: gad7_1: must be a whole number"),
        ("bpi", {}, "ketaclinic score: instrument: unknown instrument 'bpi'"),
    ],
)
def test_bad_answers_exit_2_naming_the_item(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    instrument: str,
    answers: dict[str, Any],
    message: str,
) -> None:
    code, out, err = run(capsys, "score", instrument, "--answers", write(tmp_path, answers))
    assert (code, out) == (2, "")
    assert err.startswith(message)
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "{not json",
            "is not valid JSON: Expecting property name enclosed in double quotes at line 1",
        ),
        ("[1, 2]", "must hold a JSON object keyed by item id"),
    ],
)
def test_bad_answer_files_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    code, _, err = run(capsys, "score", "phq9", "--answers", write(tmp_path, content))
    assert code == 2
    assert err.startswith("ketaclinic score: --answers: ")
    assert message in err


def test_a_missing_answer_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "score", "phq9", "--answers", str(tmp_path / "none.json"))
    assert code == 2
    assert "--answers: cannot read" in err
    assert "No such file" in err


def test_instruments_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "instruments", "list")
    rows = json.loads(out)
    assert code == 0
    by_id = {row["id"]: row for row in rows}
    assert by_id["fiqr"]["items"] == 21
    assert by_id["fiqr"]["total_max"] == 100
    assert by_id["cadss6"]["respondent"] == "clinician"
    code, out, _ = run(capsys, "instruments", "list", "--format", "table")
    assert code == 0
    assert "nrs_sleep_quality" in out


def test_instruments_show_json_lists_items_in_source_order(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "instruments", "show", "gad7", "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert (data["id"], data["version"]) == ("gad7", "1.0.0")
    assert [item["id"] for item in data["items"]] == [f"gad7_{n}" for n in range(1, 8)]
    assert data["items"][0]["label"] == "Feeling nervous, anxious, or on edge"
    assert data["items"][0]["answer"]["anchors"][3] == {"value": 3, "label": "Nearly every day"}


def test_instruments_show_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "instruments", "show", "acr2016", "--format", "table")
    assert code == 0
    assert "wpi_jaw_left" in out
    assert "very_severe" in out


def test_instruments_show_unknown_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "instruments", "show", "fiq")
    assert code == 2
    assert "instrument: unknown instrument 'fiq'" in err
    code, _, err = run(capsys, "instruments", "show", "fiqr", "--version", "0.1")
    assert code == 2
    assert "fiqr version 0.1" in err


def test_instruments_bundles(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "instruments", "bundles")
    (bundle,) = json.loads(out)
    assert code == 0
    assert bundle["id"] == "baseline_intake"
    assert bundle["instruments"][0] == "acr2016"
