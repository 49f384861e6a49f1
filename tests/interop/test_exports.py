"""The CSV tables and the de-identified research export: every Safe Harbor identifier walked,
dates shifted by a stored offset, ages over 89 aggregated, a data dictionary, files written
whole or not at all, a ZIP streamed in chunks; permissions and audit."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from outcomes_support import infusion

from ketaclinic.interop.research import research_files
from ketaclinic.interop.tables import csv_lines, with_dictionary, write_directory, zip_stream
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.errors import Forbidden, InvalidInput
from ketaclinic.records.outcomes import research, services, tables
from ketaclinic.records.outcomes.models import ResearchIdentity


@pytest.fixture
def identified(scored: Any, clinician: Any, infusions_given: list) -> Any:
    """The scored patient with every identifier the record can hold filled in."""
    from ketaclinic.records.patients import services as patients

    patients.update_patient(
        clinician,
        scored.pk,
        {
            "given_name": "Zelda",
            "family_name": "Quixotic",
            "date_of_birth": "1931-04-09",
            "phone": "555-0147",
            "email": "zelda.quixotic@example.org",
            "address": "12 Mulberry Lane, Springfield, KY 40069",
            "emergency_contact_name": "Yusuf Quixotic",
            "emergency_contact_phone": "555-0148",
            "emergency_contact_relationship": "partner",
            "mrn": "MRN-ZQ-77",
        },
    )
    services.record_discontinuation(
        clinician,
        scored.pk,
        {
            "reason": "other",
            "note": "moving to Zelda's sister in Ohio",
            "stopped_on": timezone.localdate(),
        },
    )
    infusions_given.append(infusion(scored, 60, side_effects=("nausea",)))
    scored.refresh_from_db()
    return scored


def _read(table: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO("".join(csv_lines(table)))))


LIMITED = research.Variant.LIMITED_DATA_SET
AGREEMENT = "DUA-2026-07 (University research office)"


def _export(
    actor: Any, variant: research.Variant = research.Variant.SAFE_HARBOR
) -> dict[str, list[dict[str, str]]]:
    agreement = AGREEMENT if variant == LIMITED else ""
    chosen = research.research_tables(actor, variant, agreement)
    return {table.name: _read(table) for table in research_files(chosen, variant, agreement)}


DATES = "All elements of dates (except year) directly related to an individual; ages over 89"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _identifier_values(patient: Any, clinician: Any) -> dict[str, list[str]]:
    """For each Safe Harbor identifier, the patient's values that must not appear."""
    born = patient.date_of_birth
    return {
        "Names": [patient.given_name, patient.family_name, "Yusuf"],
        "Geographic subdivisions smaller than a state, including ZIP codes": [
            "Mulberry",
            "Springfield",
            "40069",
            "North Clinic",
        ],
        DATES: [
            born.isoformat(),
            f"{born:%m-%d}",
            *(a.completed_at.date().isoformat() for a in patient.assessments.all()),
        ],
        "Telephone numbers": [patient.phone, patient.emergency_contact_phone],
        "Fax numbers": [],
        "Electronic mail addresses": [patient.email, "@"],
        "Social security numbers": [],
        "Medical record numbers": [patient.mrn],
        "Health plan beneficiary numbers": [],
        "Account numbers": [],
        "Certificate/license numbers": [],
        "Vehicle identifiers and serial numbers, including license plates": [],
        "Device identifiers and serial numbers": [],
        "Web Universal Resource Locators (URLs)": ["http"],
        "Internet Protocol (IP) address numbers": ["127.0.0.1"],
        "Biometric identifiers, including finger and voice prints": [],
        "Full face photographic images and any comparable images": [],
        "Any other unique identifying number, characteristic, or code": [
            "Ohio",  # free text of the drop-out note
            clinician.user.username,
        ],
    }


@pytest.mark.parametrize("variant", list(research.Variant))
def test_safe_harbor_walk_every_identifier(
    identified: Any,
    clinician: Any,
    users: dict[str, Any],
    actor_for: Any,
    variant: research.Variant,
) -> None:
    files = _export(actor_for(users["manager"]), variant)
    data = "\n".join(
        ",".join(row.values())
        for name in (
            "participants",
            "scores",
            "answers",
            "infusions",
            "alerts",
            "dropouts",
            "booster_decisions",
        )
        for row in files[name]
    )
    values = _identifier_values(identified, clinician)
    listed = [identifier for identifier, _ in research.SAFE_HARBOR]
    assert listed == list(values)  # the 18 identifiers, each walked
    assert len(listed) == 18
    dates = values.pop(DATES)
    for identifier, forbidden in values.items():
        for value in forbidden:
            assert value not in data, f"{identifier}: {value!r} leaked"
    # A shifted date may fall on a real one (or on the birthday) by chance: a real date is a
    # leak only where it is not the shift of another real date.
    shift = -timedelta(days=abs(ResearchIdentity.objects.get(patient=identified).date_shift_days))
    real = {date.fromisoformat(value) for value in dates if len(value) == 10}
    exported = {date.fromisoformat(found) for found in ISO_DATE.findall(data)}
    assert not {day for day in exported & real if day - shift not in real}, "a real date leaked"
    without_dates = ISO_DATE.sub("<date>", data)
    for value in dates:
        assert value not in without_dates, f"{DATES}: {value!r} leaked"
    handled = {row["identifier"]: row["handling"] for row in files["deidentification"]}
    assert set(handled) == set(listed)


def test_dates_move_back_by_a_stored_offset_and_ages_over_89_aggregate(
    identified: Any, users: dict[str, Any], actor_for: Any
) -> None:
    manager = actor_for(users["manager"])
    files = _export(manager, LIMITED)
    identity = ResearchIdentity.objects.get(patient=identified)
    assert -365 <= identity.date_shift_days <= -1
    [participant] = files["participants"]
    assert participant["research_id"] == identity.research_id
    assert participant["age_at_start"] == "90+"
    first = identified.assessments.order_by("completed_at", "id").first()
    expected = timezone.localdate(first.completed_at) + timedelta(days=identity.date_shift_days)
    assert files["scores"][0]["date"] == expected.isoformat()
    assert participant["start_date"] == expected.isoformat()
    # A second export shifts by the same stored offset.
    again = _export(manager, LIMITED)
    assert again["scores"][0]["date"] == files["scores"][0]["date"]
    assert ResearchIdentity.objects.count() == 1
    [given] = again["infusions"]
    assert (given["dose_mg"], given["side_effects"]) == ("35", "nausea")
    assert again["dropouts"][0]["reason"] == "other"


def test_safe_harbor_keeps_only_years(
    identified: Any, users: dict[str, Any], actor_for: Any
) -> None:
    files = _export(actor_for(users["manager"]))
    first = identified.assessments.order_by("completed_at", "id").first()
    assert files["scores"][0]["year"] == str(timezone.localdate(first.completed_at).year)
    assert files["participants"][0]["start_year"].isdigit()
    every_value = [v for rows in files.values() for row in rows for v in row.values()]
    assert not any(ISO_DATE.search(value) for value in every_value)
    assert "date" not in files["scores"][0]


def test_a_limited_data_set_needs_its_data_use_agreement(
    identified: Any, users: dict[str, Any], actor_for: Any
) -> None:
    with pytest.raises(InvalidInput) as refused:
        research.research_tables(actor_for(users["manager"]), LIMITED, "  ")
    assert refused.value.errors[0].field == "agreement"
    files = _export(actor_for(users["manager"]), LIMITED)
    handled = {row["identifier"]: row["handling"] for row in files["deidentification"]}
    assert "NOT de-identified" in handled[DATES]
    assert AGREEMENT in handled[DATES]
    entry = AuditEvent.objects.filter(action="export.research", outcome="allowed").last()
    assert (entry.detail["variant"], entry.detail["agreement"]) == (str(LIMITED), AGREEMENT)


def test_the_research_export_cannot_be_walked_back_to_the_identified_tables(
    identified: Any, register: Any, infusions_given: list, users: dict[str, Any], actor_for: Any
) -> None:
    """An attacker holding the identified tables and the limited data set tries to link them:
    by the export day (a shifted date after it would give the shift away) and by values
    precise enough to serve as a join key. Neither works."""
    other = register(mrn="OTHER-1", given_name="Ola", family_name="Other")
    infusions_given.append(replace(infusion(other, 30), duration_min=41.3))
    infusions_given.append(replace(infusion(identified, 20), duration_min=38.7))
    physician, manager = actor_for(users["physician"]), actor_for(users["manager"])
    clinic = {t.name: _read(t) for t in tables.clinic_tables(physician)}
    files = _export(manager, LIMITED)
    today = timezone.localdate()
    exported_days = [
        date.fromisoformat(row["date"])
        for rows in files.values()
        for row in rows
        if row.get("date")
    ]
    assert exported_days
    assert max(exported_days) < today  # the drop-out today moved back too, never after today
    # Each research row fits several identified infusions: no value is a join key.
    fits = Counter(
        (row["dose_mg"], str(research.rounded(float(row["duration_min"]), 5)))
        for row in clinic["infusions"]
    )
    for row in files["infusions"]:
        assert fits[(row["dose_mg"], row["duration_min"])] >= 2, row
    assert {row["duration_min"] for row in files["infusions"]} >= {"40"}


def test_score_numbers_survive_an_amendment(
    identified: Any, clinician: Any, users: dict[str, Any], actor_for: Any
) -> None:
    from ketaclinic.records.assessments import services as assessments

    manager = actor_for(users["manager"])
    before = [(r["score_number"], r["instrument_id"]) for r in _export(manager)["scores"]]
    first = identified.assessments.order_by("completed_at", "id").first()
    assessments.amend_assessment(
        clinician,
        identified.pk,
        first.pk,
        {"answers": dict(first.answers), "reason": "entered on the wrong day"},
    )
    after = [(r["score_number"], r["instrument_id"]) for r in _export(manager)["scores"]]
    assert sorted(after) == sorted(before)


def test_answers_join_their_scores_by_number(
    identified: Any, users: dict[str, Any], actor_for: Any
) -> None:
    files = _export(actor_for(users["manager"]))
    numbers = {(r["score_number"], r["instrument_id"]) for r in files["scores"]}
    assert {(r["score_number"], r["instrument_id"]) for r in files["answers"]} <= numbers
    assert [r["score_number"] for r in files["scores"]] == [
        str(n) for n in range(1, len(files["scores"]) + 1)
    ]


def test_the_data_dictionary_describes_every_column(
    identified: Any, users: dict[str, Any], actor_for: Any
) -> None:
    files = _export(actor_for(users["manager"]))
    described = {(r["file"], r["column"]) for r in files["data_dictionary"]}
    for name, rows in files.items():
        if name != "data_dictionary" and rows:
            assert {(name, column) for column in rows[0]} <= described
    units = {(r["file"], r["column"]): r["unit"] for r in files["data_dictionary"]}
    assert units[("infusions", "dose_mg")] == "mg"


def test_age_top_coding_edges() -> None:
    assert research.exported_age(date(1936, 6, 2), date(2026, 6, 1)) == "89"
    assert research.exported_age(date(1936, 6, 2), date(2026, 6, 2)) == "90+"


def test_research_export_is_for_managers_and_physicians_and_audited(
    identified: Any, users: dict[str, Any], actor_for: Any, patient_user: Any
) -> None:
    research.research_tables(actor_for(users["physician"]))
    for user in (users["nurse"], users["front_desk"], patient_user):
        with pytest.raises(Forbidden):
            research.research_tables(actor_for(user))
    entry = AuditEvent.objects.get(action="export.research", outcome="allowed")
    assert entry.detail["new_research_ids"] == 1
    assert "scores" in entry.detail["tables"]


def test_clinic_tables_hold_every_table_identified(
    identified: Any, users: dict[str, Any], actor_for: Any
) -> None:
    found = {t.name: _read(t) for t in tables.clinic_tables(actor_for(users["physician"]))}
    assert set(found) == {
        "patients",
        "body_measurements",
        "assessments",
        "assessment_answers",
        "infusions",
        "alerts",
        "appointments",
        "treatment_plans",
        "booster_decisions",
        "discontinuations",
    }
    assert found["patients"][0]["mrn"] == "MRN-ZQ-77"
    assert len(found["assessments"]) == identified.assessments.count()
    assert found["infusions"][0]["dose_mg"] == "35"
    assert AuditEvent.objects.filter(action="export.csv", outcome="allowed").count() == 1
    for role in ("nurse", "manager", "front_desk"):
        with pytest.raises(Forbidden):
            tables.clinic_tables(actor_for(users[role]))


def test_csv_cells_cannot_run_as_formulas(
    clinician: Any, register: Any, users: dict[str, Any], actor_for: Any
) -> None:
    register(mrn="F-1", given_name='=HYPERLINK("http://x")', family_name="+Sum")
    patients = _read(tables.clinic_tables(actor_for(users["physician"]))[0])
    assert patients[0]["given_name"].startswith("'=")
    assert patients[0]["family_name"] == "'+Sum"


def test_directory_export_is_written_whole_or_not_at_all(
    identified: Any, users: dict[str, Any], actor_for: Any, tmp_path: Path
) -> None:
    found = write_directory(
        with_dictionary(tables.clinic_tables(actor_for(users["physician"]))), tmp_path / "out"
    )
    assert {p.name for p in found} >= {"patients.csv", "data_dictionary.csv"}
    with pytest.raises(InvalidInput) as error:
        write_directory([], tmp_path / "out")
    assert error.value.errors[0].field == "out"

    def broken() -> Any:
        yield (1,)
        raise RuntimeError("database went away")

    failing = tables.Table("t", "", (tables.Column("a", ""),), broken)
    with pytest.raises(RuntimeError):
        write_directory([failing], tmp_path / "half")
    assert not (tmp_path / "half").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_zip_streams_in_chunks(identified: Any, users: dict[str, Any], actor_for: Any) -> None:
    chunks = list(
        zip_stream(
            research_files(research.research_tables(actor_for(users["manager"]))), "research"
        )
    )
    assert len(chunks) > 1
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    names = archive.namelist()
    assert "research/data_dictionary.csv" in names
    assert "research/deidentification.csv" in names
    assert archive.read("research/participants.csv").startswith(b"research_id,sex,")
