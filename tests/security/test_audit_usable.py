"""An audit trail a reader can use: the live board's polls add a row only when what they show
changed; probes of missing ids and refused web edits of another patient's record are kept."""

from __future__ import annotations

from typing import Any

from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.clinics.models import Location


def test_live_board_polls_write_a_row_only_for_a_change(
    users: dict[str, Any], web_as: Any, register: Any
) -> None:
    location = Location.objects.create(name="Main", slug="main", time_zone="America/New_York")
    client = web_as(users["front_desk"])
    assert client.get("/chairs/").status_code == 200
    for _ in range(5):
        assert client.get("/chairs/", headers={"HX-Request": "true"}).status_code == 200
    rows = AuditEvent.objects.filter(action="session.board", object_id=str(location.pk))
    assert rows.count() == 1  # the first view; the polls showed nothing new
    assert client.get("/chairs/").status_code == 200  # opening the page again is a read
    assert rows.count() == 2


def test_probes_of_missing_ids_are_recorded(
    users: dict[str, Any], web_as: Any, api_as: Any
) -> None:
    assert web_as(users["nurse"]).get("/patients/999999/").status_code == 404
    assert api_as(users["nurse"]).get("/api/patients/999998").status_code == 404
    probes = AuditEvent.objects.filter(action="record.missing", outcome="failed")
    assert {(e.face, e.username) for e in probes} == {("web", "nurse-user"), ("api", "nurse-user")}
    assert {e.detail["path"] for e in probes} == {"/patients/999999/", "/api/patients/999998"}


def test_a_refused_web_edit_of_another_patient_is_recorded(
    patient_user: Any, register: Any, web_as: Any
) -> None:
    other = register(mrn="MRN-OTHER", given_name="Blake")
    answer = web_as(patient_user).post(f"/patients/{other.pk}/edit/", {"given_name": "Mallory"})
    assert answer.status_code == 403
    denial = AuditEvent.objects.filter(outcome="denied").latest("id")
    assert (denial.username, denial.patient_id) == ("patient-user", other.pk)
