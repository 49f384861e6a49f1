"""Constants and small helpers the tests share (importable as ``support``)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.test import Client
from playwright.sync_api import expect

PASSWORD = "correct-horse-battery-staple"
# What a signer re-enters to sign (every test user has PASSWORD): records/accounts/signatures.py.
SIGNED = {"password": PASSWORD}
STAFF_ROLES = ("physician", "nurse", "front_desk", "manager")
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"

PATIENT_DATA = {
    "given_name": "Ada",
    "family_name": "Example",
    "date_of_birth": "1970-05-17",
    "sex": "female",
    "weight_kg": 70,
    "height_cm": 165,
}


# htmx marks the element whose request is in flight (htmx-request), the target it is swapping
# into (htmx-swapping, htmx-settling) and the new content until it settles (htmx-added).
HTMX_BUSY = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"


def settled(page: Any) -> Any:
    """Wait until the page has no htmx request in flight and every swap has settled.

    Call it after each action that triggers htmx. A trigger with a delay (``input delay:400ms``)
    starts its request only later: first expect what the request brings, then settle.
    """
    expect(page.locator(HTMX_BUSY)).to_have_count(0)
    return page


def visit(page: Any, path: str) -> Any:
    """Open ``path`` and wait until the page has loaded and its htmx requests have settled."""
    page.goto(path)
    return settled(page)


def click_and_load(page: Any, control: Any) -> Any:
    """Click a link or a button that leads to a new page; wait until that page has loaded and
    its htmx requests (``hx-trigger="load"``) have settled."""
    with page.expect_event("load"):
        control.click()
    return settled(page)


class ApiClient:
    """A Django test client that sends JSON and a bearer token."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def request(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        call = getattr(self.client, method)
        if method == "get":
            return call(path, params, headers=self.headers)
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return call(path, data=data, content_type="application/json", headers=self.headers)

    def get(self, path: str, **params: Any) -> Any:
        return self.request("get", path, **params)

    def post(self, path: str, body: Any = None) -> Any:
        return self.request("post", path, body)

    def patch(self, path: str, body: Any = None) -> Any:
        return self.request("patch", path, body)

    def delete(self, path: str) -> Any:
        return self.request("delete", path, {})


def all_at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run ``calls`` in threads released together; each gets its own database connection."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = calls[index]()
        except Exception as error:  # the outcome under test
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


# Baseline results that satisfy every protocol's and screening's required tests (issue 14).
BASELINE_RESULTS = (
    {"test": "ecg", "code": "normal"},
    {"test": "alt", "value": 22, "unit": "U/L", "reference_low": 7, "reference_high": 56},
    {"test": "ast", "value": 20, "unit": "U/L", "reference_low": 8, "reference_high": 48},
    {"test": "bilirubin", "value": 9, "unit": "umol/L", "reference_low": 3, "reference_high": 21},
)


def record_baseline_results(actor: Any, patient_id: int) -> None:
    """An ECG and liver tests taken today, as a clinician enters them."""
    from django.utils import timezone

    from ketaclinic.records.results import services as results

    for item in BASELINE_RESULTS:
        results.record_result(actor, patient_id, {**item, "taken_on": timezone.localdate()})


def sign_consent(actor: Any, patient_id: int, protocol_id: str) -> Any:
    """The patient signs the protocol's current consent on a clinic tablet; ``actor`` (a
    physician or nurse) countersigns with a witness."""
    from ketaclinic.protocols.consent import consent_document
    from ketaclinic.records.consents import services as consents

    document = consent_document(protocol_id)
    consent = consents.sign_consent(
        actor,
        patient_id,
        {
            "protocol": protocol_id,
            "document_version": document.version,
            "signed_name": "Ada Example",
            "agree": True,
        },
    )
    consents.countersign(actor, consent.pk, {**SIGNED, "witness_name": "Wendy Witness"})
    return consent


def as_owner(sql: str, params: list[Any] | None = None) -> None:
    """Run ``sql`` with the append-only triggers off, as the tables' owner could (PostgreSQL:
    ``session_replication_role`` for this transaction; SQLite has no triggers to turn off)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params or [])
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def chain_report(chain: str, marks: Any = ()) -> Any:
    """``audit verify``'s report on one chain (``marks``: checkpoints read from a file)."""
    from ketaclinic.records.audit import verification

    return next(r for r in verification.verify(marks) if r.chain == chain)


def broken_at(chain: str, marks: Any = ()) -> Any:
    """The chain's first break (the chain must be broken)."""
    broken = chain_report(chain, marks).broken
    assert broken is not None, f"the {chain} chain holds"
    return broken


def as_user(username: str) -> list[str]:
    """The command-line options that act as ``username`` with its own password (every test
    account has ``PASSWORD``): ``--user`` and ``--password-file``."""
    import os
    import tempfile
    from pathlib import Path

    secret = Path(tempfile.gettempdir()) / f"ketaclinic-test-password-{os.getpid()}"
    if not secret.exists():
        secret.write_text(PASSWORD + "\n")
        secret.chmod(0o600)
    return ["--user", username, "--password-file", str(secret)]
