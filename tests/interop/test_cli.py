"""The export, import, report and outcomes commands: as a named user, audited with the face
``cli``; bad input exits 2 naming the option and writes nothing."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from ketaclinic.cli import main as cli
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.patients.models import Patient
from support import as_user


def test_export_fhir_to_a_file(scored: Any, users: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "ada.json"
    assert (
        cli(["export", "fhir", "--patient", "mrn-0001", "--out", str(out), *as_user("nurse-user")])
        == 0
    )
    bundle = json.loads(out.read_text())
    assert bundle["resourceType"] == "Bundle"
    entry = AuditEvent.objects.get(action="export.fhir")
    assert (entry.face, entry.username, entry.patient_id) == ("cli", "nurse-user", scored.pk)


def test_the_mrn_look_up_is_audited_under_the_acting_user(
    scored: Any, users: dict[str, Any]
) -> None:
    assert cli(["export", "fhir", "--patient", "mrn-0001", *as_user("nurse-user")]) == 0
    look_up = AuditEvent.objects.get(action="patient.search", username="nurse-user")
    assert (look_up.face, look_up.patient_id) == ("cli", scored.pk)
    assert look_up.detail == {"what": "MRN look-up", "found": True}


def test_export_fhir_to_standard_output(scored: Any, users: dict[str, Any], capsys: Any) -> None:
    assert cli(["export", "fhir", "--patient", "MRN-0001", *as_user("physician-user")]) == 0
    assert json.loads(capsys.readouterr().out)["type"] == "collection"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["export", "fhir", "--patient", "NOPE", *as_user("nurse-user")], "--patient: no patient"),
        (["export", "fhir", "--patient", "MRN-0001", *as_user("ghost")], "--user: no active"),
        (
            ["export", "fhir", "--patient", "MRN-0001", "--out", ".", *as_user("nurse-user")],
            "--out: . is a directory",
        ),
        (
            ["report", "clinic", "--month", "2999-01", "--out", "x.pdf", *as_user("manager-user")],
            "--month",
        ),
        (
            ["report", "clinic", "--month", "Jan", "--out", "x.pdf", *as_user("manager-user")],
            "--month",
        ),
        (
            ["report", "patient", "NOPE", "--out", "x.pdf", *as_user("nurse-user")],
            "MRN: no patient",
        ),
        (["outcomes", "cohort", "--protocol", "nope", *as_user("manager-user")], "--protocol"),
        (
            [
                "outcomes",
                "cohort",
                "--since",
                "2025-02-01",
                "--until",
                "2025-01-01",
                *as_user("manager-user"),
            ],
            "--until",
        ),
        (["import", "fhir", "missing.json", *as_user("front_desk-user")], "FILE: cannot read"),
    ],
)
def test_bad_input_exits_2_naming_the_option(
    scored: Any,
    users: dict[str, Any],
    capsys: Any,
    tmp_path: Path,
    monkeypatch: Any,
    argv: list,
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli(argv) == 2
    assert message in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_a_role_without_the_permission_exits_1(
    scored: Any, users: dict[str, Any], capsys: Any
) -> None:
    assert cli(["outcomes", "cohort", *as_user("nurse-user")]) == 1
    assert "may not outcome.cohort" in capsys.readouterr().err
    denial = AuditEvent.objects.get(outcome="denied")
    assert (denial.face, denial.action) == ("cli", "outcome.cohort")


def test_outcomes_cohort_json_and_table(scored: Any, users: dict[str, Any], capsys: Any) -> None:
    assert cli(["outcomes", "cohort", *as_user("manager-user")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["patients"], data["label"]) == (1, "all patients")
    assert (
        cli(
            [
                "outcomes",
                "cohort",
                "--protocol",
                "ketamine-im-0.5mgkg",
                "--format",
                "table",
                *as_user("manager-user"),
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "patients on protocol ketamine-im-0.5mgkg: 0 patients" in text
    assert AuditEvent.objects.filter(action="outcome.cohort", face="cli").count() == 2


def test_reports_write_pdfs(scored: Any, users: dict[str, Any], tmp_path: Path) -> None:
    patient_pdf, clinic_pdf = tmp_path / "ada.pdf", tmp_path / "month.pdf"
    assert (
        cli(
            ["report", "patient", "MRN-0001", "--out", str(patient_pdf), *as_user("physician-user")]
        )
        == 0
    )
    assert (
        "Progress report" in PdfReader(io.BytesIO(patient_pdf.read_bytes())).pages[0].extract_text()
    )
    assert (
        cli(
            [
                "report",
                "clinic",
                "--month",
                "2024-05",
                "--out",
                str(clinic_pdf),
                *as_user("manager-user"),
            ]
        )
        == 0
    )
    assert "Clinic report" in PdfReader(io.BytesIO(clinic_pdf.read_bytes())).pages[0].extract_text()
    assert AuditEvent.objects.filter(action="report.patient", face="cli").exists()
    assert AuditEvent.objects.filter(action="report.clinic", face="cli").exists()


def test_export_research_and_csv_directories(
    scored: Any, users: dict[str, Any], tmp_path: Path, capsys: Any
) -> None:
    assert cli(["export", "research", "--out", str(tmp_path / "r"), *as_user("manager-user")]) == 0
    assert (tmp_path / "r" / "data_dictionary.csv").exists()
    assert "scores" in capsys.readouterr().err  # progress, on standard error
    limited = ["export", "research", "--out", str(tmp_path / "l"), *as_user("manager-user")]
    assert cli([*limited, "--variant", "limited-data-set"]) == 2
    assert "--agreement" in capsys.readouterr().err
    assert not (tmp_path / "l").exists()
    assert cli([*limited, "--variant", "limited-data-set", "--agreement", "DUA-7"]) == 0
    assert "date" in (tmp_path / "l" / "scores.csv").read_text().splitlines()[0]
    assert cli(["export", "csv", "--out", str(tmp_path / "c"), *as_user("physician-user")]) == 0
    assert (tmp_path / "c" / "patients.csv").read_text().count("MRN-0001") == 1
    assert cli(["export", "csv", "--out", str(tmp_path / "c"), *as_user("physician-user")]) == 2
    assert "--out" in capsys.readouterr().err
    assert cli(["export", "csv", "--out", str(tmp_path / "m"), *as_user("manager-user")]) == 1
    assert not (tmp_path / "m").exists()


def _bundle_file(tmp_path: Path, *patients: dict[str, Any]) -> str:
    path = tmp_path / "in.json"
    path.write_text(
        json.dumps(
            {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"resource": p} for p in patients],
            }
        )
    )
    return str(path)


GOOD = {
    "resourceType": "Patient",
    "name": [{"family": "Newly", "given": ["Nia"]}],
    "gender": "female",
    "birthDate": "1990-01-01",
    "identifier": [{"system": "urn:ketaclinic:mrn", "value": "NEW-9"}],
}
BAD = {
    **GOOD,
    "birthDate": "someday",
    "identifier": [{"system": "urn:ketaclinic:mrn", "value": "NEW-10"}],
}


def test_import_fhir_modes(users: dict[str, Any], tmp_path: Path, capsys: Any) -> None:
    mixed = _bundle_file(tmp_path, GOOD, BAD)
    assert cli(["import", "fhir", mixed, "--dry-run", *as_user("front_desk-user")]) == 2
    assert "nothing was written (dry run)" in capsys.readouterr().err
    assert cli(["import", "fhir", mixed, *as_user("front_desk-user"), "--format", "json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert [e["status"] for e in report["entries"]] == ["not_imported", "invalid"]
    assert not Patient.objects.exists()
    assert cli(["import", "fhir", mixed, "--import-valid", *as_user("front_desk-user")]) == 0
    assert list(Patient.objects.values_list("mrn", flat=True)) == ["NEW-9"]
    not_a_bundle = tmp_path / "x.json"
    not_a_bundle.write_text('{"resourceType": "Patient"}')
    assert cli(["import", "fhir", str(not_a_bundle), *as_user("front_desk-user")]) == 2
    assert "FILE: is not a FHIR Bundle" in capsys.readouterr().err
    assert cli(["import", "fhir", mixed, *as_user("nurse-user")]) == 1
