"""Fixtures shared by every test: accounts per role, patients, API clients."""

from __future__ import annotations

import os
from collections.abc import Callable
from importlib import import_module
from typing import Any

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
# beside one unless told that the test thread is safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from support import (
    MODEL_BACKEND,
    PASSWORD,
    PATIENT_DATA,
    STAFF_ROLES,
    ApiClient,
    click_and_load,
    visit,
)

# CI runs each property test on the same examples every time: a red run is reproducible.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture
def make_user(db: Any) -> Callable[..., Any]:
    from ketaclinic.records.accounts.models import User

    def make(role: str, username: str | None = None, patient: Any = None) -> User:
        return User.objects.create_user(
            username=username or f"{role}-user",
            password=PASSWORD,
            role=role,
            patient=patient,
        )

    return make


@pytest.fixture
def users(make_user: Callable[..., Any]) -> dict[str, Any]:
    """One staff account per role (patients get theirs from ``patient_user``)."""
    return {role: make_user(role) for role in STAFF_ROLES}


@pytest.fixture
def actor_for() -> Callable[..., Any]:
    from ketaclinic.records.context import Actor, Face

    def make(user: Any, face: Face = Face.API) -> Actor:
        return Actor(user=user, face=face, source_address="127.0.0.1")

    return make


@pytest.fixture
def register(users: dict[str, Any], actor_for: Callable[..., Any]) -> Callable[..., Any]:
    """Register a patient through the service, as the physician."""
    from ketaclinic.records.patients import services

    def make(**fields: Any) -> Any:
        return services.register_patient(actor_for(users["physician"]), {**PATIENT_DATA, **fields})

    return make


@pytest.fixture
def patient(register: Callable[..., Any]) -> Any:
    return register(mrn="MRN-0001")


@pytest.fixture
def patient_user(make_user: Callable[..., Any], patient: Any) -> Any:
    return make_user("patient", username="patient-user", patient=patient)


@pytest.fixture
def api_as(db: Any) -> Callable[[Any], ApiClient]:
    """An API client logged in as ``user`` through POST /api/auth/token."""

    def make(user: Any) -> ApiClient:
        answer = Client().post(
            "/api/auth/token",
            {"username": user.username, "password": PASSWORD},
            content_type="application/json",
        )
        assert answer.status_code == 200, answer.content
        return ApiClient(answer.json()["token"])

    return make


@pytest.fixture
def web_as(db: Any) -> Callable[[Any], Client]:
    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user, backend=MODEL_BACKEND)
        return client

    return make


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.fixture(scope="session")
def browser() -> Any:
    """Debian's Chromium, headless, driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"{CHROMIUM} is missing: the test command installs it (apt-get install chromium)"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        yield chromium
        chromium.close()


# How long an action or an expectation may wait: generous, for a machine that is busy with
# other work; a passing step never waits for it.
BROWSER_PATIENCE_MS = 15_000


@pytest.fixture
def page(browser: Any, live_server: Any) -> Any:
    """A fresh browser page; ``page.base_url`` is the live server's address."""
    from django.conf import settings
    from playwright.sync_api import expect

    import_module(settings.ROOT_URLCONF)  # every view now, not during the first page's request
    expect.set_options(timeout=BROWSER_PATIENCE_MS)
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(BROWSER_PATIENCE_MS)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def login(page: Any) -> Callable[[str], Any]:
    """Log in through the real login form."""

    def log_in(username: str) -> Any:
        visit(page, "/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        return click_and_load(page, page.get_by_role("button", name="Log in"))

    return log_in
