"""``ketaclinic protocols list|show``, run in-process."""

from __future__ import annotations

import json

import pytest

from ketaclinic.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_list_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "protocols", "list", "--format", "json")
    assert (code, err) == (0, "")
    rows = {row["id"]: row for row in json.loads(out)}
    assert {"ketamine-iv-0.5mgkg-40min", "ketamine-iv-0.5mgkg-60min"} <= set(rows)
    assert rows["ketamine-iv-0.5mgkg-40min"]["session_dose"] == "0.5 mg/kg"
    assert rows["esketamine-in-56mg"]["observation_min"] == 120


def test_list_as_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "protocols", "list", "--format", "table")
    assert code == 0
    assert "Protocols" in out
    assert "iv_infusion" in out


def test_show_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "protocols", "show", "ketamine-iv-0.5mgkg-40min")
    data = json.loads(out)
    assert code == 0
    assert data["version"] == "2025.1"
    assert "depression research" in data["evidence_note"]
    assert data["session"]["duration_min"]["value"] == 40


def test_show_as_table_prints_the_evidence(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "protocols", "show", "ketamine-iv-0.5mgkg-60min", "--format", "table"
    )
    assert code == 0
    assert "Evidence:" in out
    assert "Limits" in out
    assert "[clinical.md 2]" in out  # sources are printed, not taken for rich markup


def test_unknown_protocol_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "protocols", "show", "ketamine-oral")
    assert (code, out) == (2, "")
    assert "protocol: unknown protocol 'ketamine-oral'" in err
    assert "Traceback" not in err
