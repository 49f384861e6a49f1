"""Online intake through the API, the command line and the portal: bad input is 422 / exit 2
naming the field with nothing written; a PHQ-9 item 9 answered in the intake raises the same
urgent alert as in clinic and shows the patient the crisis contacts at once."""

from __future__ import annotations

from typing import Any

from ketaclinic.cli import main as cli
from ketaclinic.instruments import default_registry
from ketaclinic.records.alerts.models import Alert
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.intake import invitations
from ketaclinic.records.intake.models import Intake, Invitation
from support import as_user


def test_api_invites_and_a_clinician_confirms(
    api_as: Any, users: dict[str, Any], patient: Any, filled: Any
) -> None:
    # ``filled``: the patient made an account from a first link and sent their intake.
    listed = api_as(users["nurse"]).get("/api/intake/reviews")
    assert listed.status_code == 200, listed.content
    [row] = listed.json()
    assert (row["id"], row["entered_by"], row["status"]) == (filled.pk, "patient", "submitted")
    detail = api_as(users["physician"]).get(f"/api/intake/{filled.pk}")
    assert detail.status_code == 200
    assert "medications" in detail.json()["changes"]
    assert detail.json()["entries"]["history"]["history_flags"] == ["hypertension"]
    assert (
        api_as(users["front_desk"]).post(f"/api/intake/{filled.pk}/confirm", {}).status_code == 403
    )
    confirmed = api_as(users["physician"]).post(f"/api/intake/{filled.pk}/confirm", {"note": "ok"})
    assert confirmed.status_code == 200, confirmed.content
    assert (confirmed.json()["status"], confirmed.json()["confirmed_by"]) == (
        "confirmed",
        "physician-user",
    )
    again = api_as(users["physician"]).post(f"/api/intake/{filled.pk}/confirm", {})
    assert again.status_code == 409


def test_api_invitation_link_and_bad_input(
    api_as: Any, users: dict[str, Any], patient: Any
) -> None:
    client = api_as(users["manager"])
    made = client.post(f"/api/patients/{patient.pk}/intake-invitations", {})
    assert made.status_code == 201, made.content
    link = made.json()["link"]
    assert "/intake/start/" in link
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert invitations.usable(token).patient_id == patient.pk
    before = Invitation.objects.count()
    for body, field in (
        ({"expires_in_hours": 0}, "expires_in_hours"),
        ({"expires_in_hours": "soon"}, "expires_in_hours"),
        ({"colour": "red"}, "colour"),
    ):
        refused = client.post(f"/api/patients/{patient.pk}/intake-invitations", body)
        assert refused.status_code == 422, (body, refused.content)
        assert field in refused.content.decode()
    assert client.post("/api/patients/999999/intake-invitations", {}).status_code == 404
    assert (
        api_as(users["nurse"])
        .post(f"/api/patients/{patient.pk}/intake-invitations", {})
        .status_code
        == 403
    )
    assert Invitation.objects.count() == before


def test_cli_prints_the_link_and_exits_2_on_bad_input(
    users: dict[str, Any], patient: Any, capsys: Any
) -> None:
    assert cli(["intake", "invite", "--mrn", "mrn-0001", *as_user("front_desk-user")]) == 0
    out = capsys.readouterr().out
    link = out.splitlines()[0]
    assert link.startswith("http")
    assert "/intake/start/" in link
    assert invitations.usable(link.rstrip("/").rsplit("/", 1)[1]).patient_id == patient.pk
    trail = AuditEvent.objects.filter(action="intake.invite")
    assert {(e.face, e.username) for e in trail} == {("cli", "front_desk-user")}
    assert trail.count() == 2  # the MRN look-up, then the invitation
    count = Invitation.objects.count()
    assert cli(["intake", "invite", "--mrn", "NOPE", *as_user("front_desk-user")]) == 2
    assert "--mrn" in capsys.readouterr().err
    assert cli(["intake", "invite", "--mrn", "MRN-0001", *as_user("nobody")]) == 2
    assert "--user" in capsys.readouterr().err
    hours = ["--hours", "0"]
    assert cli(["intake", "invite", "--mrn", "MRN-0001", *as_user("manager-user"), *hours]) == 2
    assert "--hours" in capsys.readouterr().err
    assert cli(["intake", "invite", "--mrn", "MRN-0001", *as_user("nurse-user")]) == 1
    assert Invitation.objects.count() == count


def test_an_unusable_link_shows_a_clear_page_and_writes_nothing(client: Any, invited: Any) -> None:
    events = AuditEvent.objects.count()
    unknown = client.get("/intake/start/not-a-real-token/")
    assert unknown.status_code == 404
    assert b"This link cannot be used" in unknown.content
    Invitation.objects.update(used_at="2026-01-01T00:00:00Z")
    used = client.post(
        f"/intake/start/{invited.token}/",
        {"username": "x.y", "password": "amber-walrus-kettle-91", "password_again": "x"},
    )
    assert used.status_code == 404
    assert b"already been used" in used.content
    assert AuditEvent.objects.count() == events
    assert not Intake.objects.exists()


def test_phq9_item9_in_the_intake_raises_the_urgent_alert_and_shows_988(
    web_as: Any, redeemed: Any, users: dict[str, Any], patient: Any
) -> None:
    definition = default_registry().get("phq9")
    answers = {item.id: "1" for item in definition.items} | {"phq9_9": "2"}
    request_id = Invitation.objects.get().assessment_request_id
    sent = web_as(redeemed).post(
        "/my/questionnaires/phq9/",
        {**answers, "request": str(request_id), "back": "intake"},
        follow=True,
    )
    assert sent.status_code == 200
    assert sent.redirect_chain[-1][0] == "/my/intake/"
    page = sent.content.decode()
    assert 'class="crisis" role="alert"' in page
    assert "988" in page
    assert "Suicide &amp; Crisis Lifeline" in page
    alert = Alert.objects.get()
    assert (alert.code, alert.severity, alert.addressed_to) == (
        "phq9_item9",
        "urgent",
        users["physician"],
    )


def test_the_chart_button_shows_the_link_once(
    web_as: Any, users: dict[str, Any], patient: Any
) -> None:
    desk = web_as(users["front_desk"])
    chart = desk.get(f"/patients/{patient.pk}/")
    assert b"Invite to online intake" in chart.content
    shown = desk.post(f"/patients/{patient.pk}/intake/invite/", follow=True)
    assert shown.status_code == 200
    page = shown.content.decode()
    start = page.index("/intake/start/")
    token = page[start:].split("/")[3]
    assert invitations.usable(token).patient_id == patient.pk
    again = desk.get(f"/patients/{patient.pk}/").content.decode()
    assert token not in again
    assert "not used yet" in again


def test_the_screening_page_says_it_waits_for_the_review(
    web_as: Any, users: dict[str, Any], patient: Any, filled: Any
) -> None:
    physician = web_as(users["physician"])
    page = physician.get(f"/patients/{patient.pk}/screening/")
    assert b"Screening waits: the patient&#x27;s online intake" in page.content
    ran = physician.post(f"/patients/{patient.pk}/screening/run/", {"pregnant": "no"}, follow=True)
    assert ran.status_code == 200
    assert b"review and confirm it, then screen" in ran.content
