"""A nurse whose role requires a second factor enrols an authenticator after the password, is
shown the recovery codes, and next time logs in with the code the app shows (computed here by
pyotp, as the app would)."""

from __future__ import annotations

import time
from typing import Any

import pyotp
import pytest
from playwright.sync_api import expect

from ketaclinic.records.audit.models import AuditEvent
from support import click_and_load, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_enrol_an_authenticator_then_log_in_with_its_code(
    login: Any, page: Any, users: dict[str, Any], settings: Any
) -> None:
    settings.MFA_REQUIRED = True
    login("nurse-user")
    expect(page.get_by_role("heading", name="Set up your authenticator")).to_be_visible()
    expect(page.locator(".qr svg")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().strip()
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code from the app").fill(totp.now())
    click_and_load(page, page.get_by_role("button", name="Confirm"))
    expect(page.get_by_role("heading", name="Authenticator set up")).to_be_visible()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    click_and_load(page, page.get_by_role("link", name="Continue"))
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    click_and_load(page, page.get_by_role("button", name="Log out"))

    login("nurse-user")
    expect(page.get_by_role("heading", name="Second step of log-in")).to_be_visible()
    page.get_by_label("Authenticator code").fill("000000" if totp.now() != "000000" else "1")
    click_and_load(page, page.get_by_role("button", name="Continue"))
    expect(page.get_by_role("alert")).to_contain_text("wrong or already used")
    # The code of the next time step: the one used to enrol is never accepted again.
    page.get_by_label("Authenticator code").fill(totp.at(time.time() + 30))
    click_and_load(page, page.get_by_role("button", name="Continue"))
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    visit(page, "/account/second-factor/")
    expect(page.get_by_text("Your authenticator is set up")).to_be_visible()
    assert AuditEvent.objects.filter(action="auth.login", username="nurse-user").count() == 2
