"""The session record (PDF and print view): the whole session in the clinic's words, with the
physician's override, vital signs flagged H or L and the rescue drugs; who may see the
flowsheet may see it, nobody else."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from ketaclinic.records.alerts import services as alert_services
from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.errors import Forbidden, NotFound
from ketaclinic.records.sessions import flowsheet, overrides, rescue
from ketaclinic.records.sessions.record import session_record
from support import SIGNED

REASON = "spoke with her at length: she is safe today"
HIGH_SBP = {
    "sbp_mm_hg": 186,
    "dbp_mm_hg": 95,
    "heart_rate_per_min": 88,
    "spo2_percent": 97,
    "resp_rate_per_min": 16,
}


def _text(pdf: bytes) -> str:
    """The PDF's text with its line breaks folded into spaces."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


@pytest.fixture
def recorded(
    nurse: Any, physician: Any, session: Any, walked: Callable[..., Any], users: dict[str, Any]
) -> Any:
    """An infusing session started past an open PHQ-9 alert by a physician's override, with a
    set of vitals above the systolic limit and a dose of midazolam."""
    item9 = alert_services.NewAlert("phq9.item9", "PHQ-9 item 9 answered 2", "urgent")
    alert_services.raise_alerts(nurse, session.patient, session.patient, [item9])
    overrides.record_override(
        physician, session.pk, {**SIGNED, "gate": "start.urgent_alerts", "reason": REASON}
    )
    walked("infusing", minutes_ago=30)
    flowsheet.record_vitals(nurse, session.pk, HIGH_SBP)
    midazolam = next(p for p in rescue.prn_orders_for(session) if p.drug == "midazolam")
    flowsheet.record_rescue_medication(
        nurse, session.pk, {"prn_order_id": midazolam.pk, "dose_mg": 1, "note": "restless"}
    )
    return session


def test_the_pdf_holds_the_override_the_flagged_vitals_and_the_rescue_drug(
    recorded: Any, users: dict[str, Any], api_as: Callable[[Any], Any]
) -> None:
    answer = api_as(users["nurse"]).get(f"/api/sessions/{recorded.pk}/record.pdf")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    text = _text(answer.content)
    physician = users["physician"]
    doctor = physician.get_full_name() or physician.get_username()
    assert REASON in text
    assert doctor in text
    assert "Double-checked: signed (verified) by" in text  # the meaning of the signature
    assert "An urgent alert of the patient or the session is open" in text  # the gate, in words
    assert "186 H" in text
    assert "122 H" not in text  # the walk's normal sets carry no flag
    assert "midazolam 1 mg Intravenous" in text  # drug, dose, route
    assert "midazolam 1 mg as needed: Agitation" in text  # against the PRN order
    assert f"MRN {recorded.patient.mrn}" in text
    # No internal codes: the gate's and the state's names are not shown.
    assert "start.urgent_alerts" not in text
    assert "infusing" not in text.replace("Infusing", "")
    assert AuditEvent.objects.filter(
        action="session.view", detail__what="session record", outcome="allowed"
    ).exists()


def test_the_web_pdf_and_the_print_view_show_the_same_record(
    recorded: Any, users: dict[str, Any], web_as: Callable[[Any], Any]
) -> None:
    nurse = web_as(users["nurse"])
    flowsheet_page = nurse.get(f"/sessions/{recorded.pk}/").content.decode()
    assert "Session record (PDF)" in flowsheet_page
    pdf = nurse.get(f"/sessions/{recorded.pk}/record.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert REASON in _text(pdf.content)
    printed = nurse.get(f"/sessions/{recorded.pk}/print/")
    assert printed.status_code == 200
    page = printed.content.decode()
    # Print rules come from a stylesheet of the app's own (no inline style: the CSP).
    assert "web/print.css" in page
    from django.contrib.staticfiles import finders

    stylesheet = finders.find("web/print.css")
    assert stylesheet is not None
    assert "@media print" in Path(stylesheet).read_text()
    assert "186 H" in page
    assert "spoke with her at length" in page
    assert "midazolam" in page


def test_the_front_desk_and_a_patient_are_refused_and_a_missing_session_is_not_found(
    recorded: Any,
    users: dict[str, Any],
    patient_user: Any,
    web_as: Callable[[Any], Any],
    api_as: Callable[[Any], Any],
    desk: Any,
    nurse: Any,
) -> None:
    for user in (users["front_desk"], patient_user):
        assert api_as(user).get(f"/api/sessions/{recorded.pk}/record.pdf").status_code == 403
        assert web_as(user).get(f"/sessions/{recorded.pk}/record.pdf").status_code == 403
        assert web_as(user).get(f"/sessions/{recorded.pk}/print/").status_code == 403
    with pytest.raises(Forbidden):
        session_record(desk, recorded.pk)
    missing = recorded.pk + 1000
    assert api_as(users["nurse"]).get(f"/api/sessions/{missing}/record.pdf").status_code == 404
    assert web_as(users["nurse"]).get(f"/sessions/{missing}/print/").status_code == 404
    with pytest.raises(NotFound):
        session_record(nurse, missing)
