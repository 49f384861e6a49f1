"""Tests: SQLite in a file of its own per run unless DATABASE_URL names another database
(PostgreSQL in CI)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import dj_database_url

from .base import *  # noqa: F403

SECRET_KEY = "test-only-not-a-secret"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", "sqlite://:memory:"))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The browser tests' live server answers each request in a thread of its own, and every
    # thread must have its own connection. An in-memory database cannot give that: Django and
    # pytest-django then hand the test's one connection to every server thread, and two
    # overlapping requests break each other's transactions. So: a file, unique to this run,
    # locked as in production. NAME names it too: the live server decides from NAME, possibly
    # before the test database exists, whether to share the test's connection.
    RUN_DATABASE = str(Path(tempfile.gettempdir()) / f"ketaclinic-test-{os.getpid()}.sqlite3")
    DATABASES["default"]["NAME"] = RUN_DATABASE
    DATABASES["default"]["TEST"] = {"NAME": RUN_DATABASE}
    DATABASES["default"]["OPTIONS"] = dict(SQLITE_OPTIONS)  # noqa: F405
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's, with a flush that may empty the tables whose triggers refuse TRUNCATE.
    DATABASES["default"]["ENGINE"] = "ketaclinic.settings.test_postgresql"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests serve static files through the finders; WhiteNoise would look for a collected copy.
MIDDLEWARE = [m for m in MIDDLEWARE if "whitenoise" not in m]  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
AXES_FAILURE_LIMIT = 3
# No second factor unless a test turns it on (settings.MFA_REQUIRED = True): the suite logs in
# with passwords. Signing still asks for the signer's password (tests/support.py: SIGNED).
MFA_REQUIRED = False

# Reminders and offers run in-process, right after the booking commits.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Every test sees what it wrote: no public page is served from an earlier test's cache (the
# front-door tests switch a real cache on where they test the caching itself).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
