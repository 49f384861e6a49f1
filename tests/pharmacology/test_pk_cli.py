"""``ketaclinic pk``: run in-process; exit codes, JSON schemas, warnings, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ketaclinic.cli import main

EXAMPLE = [
    {"route": "iv_infusion", "dose_mg_per_kg": 0.5, "start_min": 0, "duration_min": 40},
    {"route": "im", "dose_mg": 35, "start_min": 300},
]


@pytest.fixture
def regimen_file(tmp_path: Path) -> Path:
    path = tmp_path / "regimen.json"
    path.write_text(json.dumps(EXAMPLE[:1]))
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["pk", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_simulate_prints_the_documented_json(
    capsys: pytest.CaptureFixture[str], regimen_file: Path
) -> None:
    code, out, err = _run(
        capsys,
        "simulate",
        "--regimen",
        str(regimen_file),
        "--weight-kg",
        "70",
        "--until-min",
        "120",
        "--step-min",
        "0.5",
    )
    assert code == 0
    assert err == ""
    data = json.loads(out)
    assert data["model"] == "domino_1982"
    assert len(data["time_min"]) == len(data["plasma_mg_per_l"]) == 241
    assert len(data["effect_site_mg_per_l"]) == 241
    summary = data["summary"]
    assert summary["cmax_mg_per_l"] == pytest.approx(0.2403, abs=1e-4)
    assert summary["tmax_min"] == pytest.approx(40)
    assert summary["auc_mg_min_per_l"] > 0
    assert "percentiles" not in data


def test_simulate_a_population_with_a_plot(
    capsys: pytest.CaptureFixture[str], regimen_file: Path, tmp_path: Path
) -> None:
    plot = tmp_path / "curve.svg"
    code, out, _ = _run(
        capsys,
        "simulate",
        "--regimen",
        str(regimen_file),
        "--weight-kg",
        "70",
        "--until-min",
        "60",
        "--step-min",
        "5",
        "--population",
        "300",
        "--seed",
        "4",
        "--plot",
        str(plot),
    )
    assert code == 0
    data = json.loads(out)
    assert set(data["percentiles"]) == {"5", "50", "95"}
    assert all(len(band) == len(data["time_min"]) for band in data["percentiles"].values())
    assert plot.read_text().lstrip().startswith("<?xml")


def test_simulate_as_a_table(capsys: pytest.CaptureFixture[str], regimen_file: Path) -> None:
    code, out, _ = _run(
        capsys,
        "simulate",
        "--regimen",
        str(regimen_file),
        "--weight-kg",
        "70",
        "--until-min",
        "60",
        "--step-min",
        "30",
        "--format",
        "table",
    )
    assert code == 0
    assert "cmax_mg_per_l" in out
    assert "plasma at end of infusion (40 min)" in out


def test_extrapolation_warns_loudly_on_stderr(
    capsys: pytest.CaptureFixture[str], regimen_file: Path
) -> None:
    code, _, err = _run(
        capsys,
        "simulate",
        "--regimen",
        str(regimen_file),
        "--weight-kg",
        "190",
        "--until-min",
        "60",
    )
    assert code == 0
    assert "WARNING: weight_kg" in err
    assert "EXTRAPOLATING" in err


def test_tci_prints_the_documented_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys,
        "tci",
        "--target-mg-per-l",
        "0.3",
        "--duration-min",
        "5",
        "--weight-kg",
        "70",
        "--effect-site",
        "--max-rate-mg-per-min",
        "20",
    )
    assert code == 0
    data = json.loads(out)
    keys = ("time_min", "rate_mg_per_min", "plasma_mg_per_l", "effect_site_mg_per_l")
    assert all(len(data[key]) == 30 for key in keys)
    assert max(data["rate_mg_per_min"]) <= 20
    assert data["time_min"][1] == pytest.approx(10 / 60)


def test_tci_as_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys,
        "tci",
        "--target-mg-per-l",
        "0.3",
        "--duration-min",
        "1",
        "--weight-kg",
        "70",
        "--format",
        "table",
    )
    assert code == 0
    assert "plasma targeting" in out


def test_models_lists_every_parameter_set_with_sources(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "models")
    assert code == 0
    data = json.loads(out)
    names = {model["name"] for model in data["models"]}
    assert {"domino_1982", "clements_250", "kamp_2020", "herd_2007", "hijazi_2003"} <= names
    assert all(
        entry["source"] for model in data["models"] for entry in model["parameters"].values()
    )
    assert {route["route"] for route in data["routes"]} >= {"iv_infusion", "im", "oral"}
    code, out, _ = _run(capsys, "models", "--format", "table")
    assert code == 0
    assert "domino_1982" in out


@pytest.mark.parametrize(
    ("regimen", "options", "field"),
    [
        ([{"route": "im", "dose_mg": -1}], [], "regimen[0].dose_mg"),
        ([{"route": "im", "dose_mg": 5}], ["--weight-kg", "nan"], "--weight-kg"),
        ([{"route": "im", "dose_mg": 5}], ["--weight-kg", "0"], "--weight-kg"),
        ([{"route": "iv_infusion", "dose_mg": 5}], [], "regimen[0].duration_min"),
        ([{"route": "nasal", "dose_mg": 5}], [], "regimen[0].route"),
        ([{"route": "im", "dose_mg": 5, "start_min": -3}], [], "regimen[0].start_min"),
        ([{"route": "im", "dose_mg": 5}], ["--model", "marsh"], "--model"),
        ([{"route": "im", "dose_mg": 5}], ["--until-min", "5", "--step-min", "10"], "--step-min"),
        ([{"route": "im", "dose_mg": 5}], ["--population", "1000000"], "--population"),
        ([{"route": "im", "dose_mg": 5}], ["--seed", "3"], "--seed"),
        ([{"route": "im", "dose_mg": 5}], ["--plot", "out.gif"], "--plot"),
        ([{"route": "im", "dose_mg": 5}], ["--model", "herd_2007"], "--weight-kg"),
    ],
)
def test_bad_simulate_input_exits_2_naming_the_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, regimen: list, options: list, field: str
) -> None:
    path = tmp_path / "regimen.json"
    path.write_text(json.dumps(regimen))
    # A repeated option takes its last value.
    code, out, err = _run(capsys, "simulate", "--regimen", str(path), "--weight-kg", "70", *options)
    assert code == 2
    assert out == ""
    assert field in err
    assert "Traceback" not in err


@pytest.mark.parametrize("content", ["not json", "[{]", ""])
def test_an_unreadable_regimen_file_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str
) -> None:
    path = tmp_path / "regimen.json"
    path.write_text(content)
    code, _, err = _run(capsys, "simulate", "--regimen", str(path), "--weight-kg", "70")
    assert code == 2
    assert "--regimen" in err


def test_a_missing_regimen_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = _run(
        capsys, "simulate", "--regimen", str(tmp_path / "none.json"), "--weight-kg", "70"
    )
    assert code == 2
    assert "--regimen" in err


@pytest.mark.parametrize(
    ("options", "field"),
    [
        (["--target-mg-per-l", "-1"], "--target-mg-per-l"),
        (["--duration-min", "0"], "--duration-min"),
        (["--interval-s", "0"], "--interval-s"),
        (["--max-rate-mg-per-min", "-2"], "--max-rate-mg-per-min"),
        (["--model", "clements_250", "--effect-site"], "--model"),
    ],
)
def test_bad_tci_input_exits_2_naming_the_field(
    capsys: pytest.CaptureFixture[str], options: list, field: str
) -> None:
    required = ["--target-mg-per-l", "0.3", "--duration-min", "5", "--weight-kg", "70"]
    code, out, err = _run(capsys, "tci", *required, *options)  # the last value wins
    assert code == 2
    assert out == ""
    assert field in err


def test_argparse_rejects_non_numbers_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["pk", "tci", "--target-mg-per-l", "x", "--duration-min", "5", "--weight-kg", "70"])
    assert exit_.value.code == 2
    assert "--target-mg-per-l" in capsys.readouterr().err
