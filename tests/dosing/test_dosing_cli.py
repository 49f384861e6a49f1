"""``ketaclinic dose``, run in-process: keys, exit 3 on a hard limit, exit 2 on bad input."""

from __future__ import annotations

import json

import pytest

from ketaclinic.cli import main

KEYS = [
    "protocol",
    "version",
    "weight_policy",
    "weight_used_kg",
    "dose_mg",
    "dose_mg_per_kg",
    "duration_min",
    "volume_ml",
    "rate_ml_per_h",
    "limit_checks",
    "warnings",
]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["dose", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_dose_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--protocol", "ketamine-iv-0.5mgkg-40min", "--weight-kg", "70")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert list(data) == KEYS
    assert (data["dose_mg"], data["volume_ml"], data["rate_ml_per_h"]) == (35.0, 35.0, 52.5)
    assert all(set(check) == {"limit", "value", "status"} for check in data["limit_checks"])


def test_dose_with_height_sex_and_concentration(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "--protocol",
        "ketamine-iv-0.5mgkgh-240min",
        "--weight-kg",
        "100",
        "--height-cm",
        "165",
        "--sex",
        "female",
        "--concentration-mg-per-ml",
        "2",
    )
    data = json.loads(out)
    assert code == 0
    assert data["weight_policy"] == "adjusted"
    assert data["weight_used_kg"] == 74.1457
    assert (data["volume_ml"], data["rate_ml_per_h"]) == (74.1, 18.5)


def test_dose_as_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "--protocol", "ketamine-im-0.5mgkg", "--weight-kg", "70", "--format", "table"
    )
    assert code == 0
    assert "Limit checks" in out
    assert "Preparation:" in out
    assert "Draw 0.70 mL" in out


def test_soft_limit_prints_a_warning_and_succeeds(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "--protocol",
        "ketamine-iv-0.5mgkg-40min",
        "--weight-kg",
        "70",
        "--dose-mg-per-kg",
        "0.6",
    )
    data = json.loads(out)
    assert code == 0
    assert {"limit": "dose_mg_per_kg", "value": 0.6, "status": "soft_exceeded"} in data[
        "limit_checks"
    ]
    assert any("override" in warning for warning in data["warnings"])


def test_hard_limit_exits_3_and_names_it(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "--protocol",
        "ketamine-iv-0.5mgkg-40min",
        "--weight-kg",
        "70",
        "--dose-mg-per-kg",
        "1.2",
    )
    assert (code, out) == (3, "")
    assert "dose_mg_per_kg 1.2 is above the hard max 1" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--protocol", "nope", "--weight-kg", "70"], "protocol: unknown protocol"),
        (["--protocol", "ketamine-iv-0.5mgkg-40min", "--weight-kg", "7"], "weight_kg: must be"),
        (["--protocol", "ketamine-iv-0.5mgkg-40min", "--weight-kg", "heavy"], "--weight-kg:"),
        (["--protocol", "ketamine-iv-0.5mgkg-40min", "--weight-kg", "inf"], "--weight-kg:"),
        (
            ["--protocol", "ketamine-iv-0.5mgkgh-240min", "--weight-kg", "70", "--sex", "male"],
            "height_cm: is required",
        ),
        (
            [
                "--protocol",
                "ketamine-iv-0.5mgkg-40min",
                "--weight-kg",
                "70",
                "--concentration-mg-per-ml",
                "7",
            ],
            "concentration_mg_per_ml: 7 mg/mL is not in the formulary",
        ),
    ],
)
def test_bad_input_exits_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert message in err
    assert "Traceback" not in err
