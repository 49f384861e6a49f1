"""``ketaclinic consent``: list a patient's consents and write one as PDF, as a named user
(audited with the face ``cli``); signing stays with the patient and the clinician."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from ketaclinic.cli import main as cli
from ketaclinic.protocols.consent import consent_document
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.consents import services
from support import SIGNED, as_user

PROTOCOL = "ketamine-iv-0.5mgkg-40min"


def _sign(nurse: Any, patient: Any) -> Any:
    """The patient signs on the clinic tablet a nurse hands them."""
    return services.sign_consent(
        nurse,
        patient.pk,
        {
            "protocol": PROTOCOL,
            "document_version": consent_document(PROTOCOL).version,
            "signed_name": "Ada Example",
            "agree": True,
        },
    )


@pytest.fixture
def signed(users: dict[str, Any], patient: Any, actor_for: Any) -> Any:
    """A consent signed on the clinic tablet, countersigned with a witness."""
    consent = _sign(actor_for(users["nurse"]), patient)
    services.countersign(
        actor_for(users["physician"]), consent.pk, {**SIGNED, "witness_name": "Wendy"}
    )
    return consent


def test_consent_list_shows_the_signed_consent(signed: Any, capsys: Any) -> None:
    assert cli(["consent", "list", "--patient", "mrn-0001", *as_user("nurse-user")]) == 0
    [shown] = json.loads(capsys.readouterr().out)
    assert (shown["id"], shown["protocol"], shown["signed_name"], shown["signed_via"]) == (
        signed.pk,
        PROTOCOL,
        "Ada Example",
        "tablet",
    )
    assert shown["countersignature"]["clinician"] == "physician-user"
    assert shown["countersignature"]["witness_name"] == "Wendy"
    assert shown["state"] == "current"
    entry = AuditEvent.objects.get(action="consent.view", username="nurse-user")
    assert (entry.face, entry.patient_id) == ("cli", signed.patient_id)


def test_consent_list_as_a_table_says_what_awaits(
    users: dict[str, Any], patient: Any, actor_for: Any, capsys: Any
) -> None:
    _sign(actor_for(users["nurse"]), patient)
    argv = ["consent", "list", "--patient", "MRN-0001", "--format", "table", *as_user("nurse-user")]
    assert cli(argv) == 0
    table = capsys.readouterr().out
    assert "Ada Example" in table
    assert "countersignature" in table


def test_consent_pdf_is_written(signed: Any, tmp_path: Path) -> None:
    out = tmp_path / "consent.pdf"
    argv = ["consent", "pdf", "--id", str(signed.pk), "--out", str(out), *as_user("nurse-user")]
    assert cli(argv) == 0
    text = "".join(page.extract_text() for page in PdfReader(out).pages)
    assert "Ada Example" in text
    assert "Wendy" in text
    assert [p.name for p in tmp_path.iterdir()] == ["consent.pdf"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["consent", "pdf", "--id", "999", "--out", "c.pdf", *as_user("nurse-user")], "--id: "),
        (["consent", "list", "--patient", "NOPE", *as_user("nurse-user")], "--patient: "),
        (
            ["consent", "pdf", "--id", "{id}", "--out", "no/such/c.pdf", *as_user("nurse-user")],
            "--out: cannot write",
        ),
    ],
)
def test_bad_input_exits_2_naming_the_option(
    signed: Any, capsys: Any, tmp_path: Path, monkeypatch: Any, argv: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli([a.format(id=signed.pk) for a in argv]) == 2
    assert message in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_the_front_desk_may_not_see_consents(signed: Any, capsys: Any, tmp_path: Path) -> None:
    out = tmp_path / "consent.pdf"
    argv = [
        "consent",
        "pdf",
        "--id",
        str(signed.pk),
        "--out",
        str(out),
        *as_user("front_desk-user"),
    ]
    assert cli(argv) == 1
    assert "may not" in capsys.readouterr().err
    assert not out.exists()
