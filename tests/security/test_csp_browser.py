"""The Content-Security-Policy allows no inline script or style: the main pages load in
Chromium without one violation (the browser reports each as a console error)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from support import click_and_load, settled, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page: Any, username: str) -> None:
    from ketaclinic.records.demo import demo_password

    visit(page, "/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(demo_password(username) or "")
    click_and_load(page, page.get_by_role("button", name="Log in"))


def test_the_main_pages_break_no_content_security_rule(
    page: Any, settings: Any, tmp_path: Path
) -> None:
    from ketaclinic.records.demo import load_demo
    from ketaclinic.records.patients.models import Patient
    from ketaclinic.records.sessions.models import Session

    settings.VAR_DIR = tmp_path
    load_demo()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}")
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: violations.append(f"{page.url}: {error}"))
    patient = Patient.objects.order_by("pk").first()
    session = Session.objects.order_by("pk").first()
    assert patient is not None
    physician_pages = [
        "/patients/",
        f"/patients/{patient.pk}/",
        f"/patients/{patient.pk}/plans/new/",
        "/chairs/",
        "/board/",
        "/pk/simulator/",
        "/api/docs",
    ]
    if session is not None:
        physician_pages += [f"/sessions/{session.pk}/", f"/sessions/{session.pk}/print/"]
    _log_in(page, "physician")
    for path in physician_pages:
        visit(page, path)
    response = page.request.get("/patients/")
    policy = response.headers["content-security-policy"]
    assert "unsafe-inline" not in policy
    assert "script-src 'self'" in policy
    visit(page, "/patients/")
    click_and_load(page, page.get_by_role("button", name="Log out"))
    _log_in(page, "manager")
    for path in ("/outcomes/", "/audit/", "/accounts/", "/ledger/"):
        visit(page, path)
        settled(page)
    expect(page.locator("main, body").first).to_be_visible()
    assert violations == []
