"""Settings shared by every deployment, read from the environment."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KETACLINIC_VAR_DIR", Path.cwd() / "var")).resolve()


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("KETACLINIC_DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves the API documentation page from local static files, not a CDN
    "axes",
    "django_tasks",
    "django_tasks_db",
    "ketaclinic.records.accounts",
    "ketaclinic.records.alerts",
    "ketaclinic.records.assessments",
    "ketaclinic.records.billing",
    "ketaclinic.records.audit",
    "ketaclinic.records.bookings",
    "ketaclinic.records.clinics",
    "ketaclinic.records.idempotency",
    "ketaclinic.records.intake",
    "ketaclinic.records.ledger",
    "ketaclinic.records.outcomes",
    "ketaclinic.records.patients",
    "ketaclinic.records.plans",
    "ketaclinic.records.pricing",
    "ketaclinic.records.results",
    "ketaclinic.records.consents",
    "ketaclinic.records.enquiries",
    "ketaclinic.records.exports",
    "ketaclinic.records.sessions",
    "ketaclinic.records.workers",
    "ketaclinic.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "ketaclinic.security_headers.ContentSecurityPolicy",
    "ketaclinic.api.middleware.ApiErrorsAsJson",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "ketaclinic.api.idempotency.IdempotencyKeys",
]

ROOT_URLCONF = "ketaclinic.urls"
WSGI_APPLICATION = "ketaclinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ketaclinic.web.context.clinic",
            ],
        },
    },
]

DEFAULT_SQLITE_URL = f"sqlite:///{VAR_DIR / 'ketaclinic.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", DEFAULT_SQLITE_URL),
        conn_max_age=60,
        conn_health_checks=True,  # a connection reset by the server costs no request
    )
}
# WAL lets readers proceed while one writer commits; IMMEDIATE serialises writers
# at BEGIN so a check-then-write inside a transaction cannot interleave.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Rules and their numbers: records/accounts/passwords.py and its data/passwords.toml.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": name}
    for name in (
        "ketaclinic.records.accounts.passwords.LengthValidator",
        "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "django.contrib.auth.password_validation.CommonPasswordValidator",
        "django.contrib.auth.password_validation.NumericPasswordValidator",
        "ketaclinic.records.accounts.passwords.BreachedPasswordValidator",
        "ketaclinic.records.accounts.passwords.WordAndYearValidator",
        "ketaclinic.records.accounts.passwords.RepeatValidator",
        "ketaclinic.records.accounts.passwords.StrengthValidator",
    )
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

# Automatic log-off: the session expires after this many idle minutes (sliding window).
SESSION_IDLE_MINUTES = int(os.environ.get("KETACLINIC_SESSION_IDLE_MIN", "15"))
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Lockout after repeated failed logins (django-axes), per username and address.
AXES_FAILURE_LIMIT = int(os.environ.get("KETACLINIC_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("KETACLINIC_LOGIN_COOLOFF_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "ketaclinic.lockout.lockout_response"  # 429 + Retry-After; JSON for the API
AXES_VERBOSE = False
# The address is the client's behind the trusted proxies (ketaclinic.proxies), never a
# header a client wrote itself.
AXES_CLIENT_IP_CALLABLE = "ketaclinic.proxies.client_address"

# Reverse proxies (addresses or CIDR networks) whose X-Forwarded-For is believed.
TRUSTED_PROXIES = env_list("KETACLINIC_TRUSTED_PROXIES")

# Only the demo's settings set this: the command line then accepts the demo's accounts by name.
KETACLINIC_DEMO = False

# A manager's one-time link to set a new password works once, for this many hours.
PASSWORD_RESET_LINK_HOURS = float(os.environ.get("KETACLINIC_RESET_LINK_HOURS", "24"))

# A calendar feed's secret URL stops working this many days after it was made.
CALENDAR_FEED_DAYS = int(os.environ.get("KETACLINIC_CALENDAR_FEED_DAYS", "180"))

# Multi-factor log-in: the roles in records/accounts/data/mfa.toml must enrol an authenticator
# (TOTP) when this is on. Emergency access to a restricted record lasts this many hours.
MFA_REQUIRED = os.environ.get("KETACLINIC_MFA_REQUIRED", "1") == "1"
EMERGENCY_ACCESS_HOURS = float(os.environ.get("KETACLINIC_EMERGENCY_ACCESS_HOURS", "4"))

# Clinic instrument definitions (TOML files) loaded beside the packaged ones.
KETACLINIC_INSTRUMENT_FILES = env_list("KETACLINIC_INSTRUMENT_FILES")

# FHIR: the identifier system of this clinic's medical record numbers. A URL the clinic controls,
# so that a receiver merging two clinics' records never takes one clinic's MRN for another's.
KETACLINIC_MRN_SYSTEM = (
    os.environ.get("KETACLINIC_MRN_SYSTEM") or f"https://{ALLOWED_HOSTS[0]}/fhir/sid/mrn"
)

# API bearer tokens expire after this many hours.
# FHIR Bulk Data exports ($export): their files are deleted this long after the request.
BULK_EXPORT_KEEP_HOURS = float(os.environ.get("KETACLINIC_BULK_EXPORT_KEEP_HOURS", "24"))
API_TOKEN_TTL_HOURS = int(os.environ.get("KETACLINIC_API_TOKEN_TTL_HOURS", "12"))

# Online intake: an invitation link works once, for this many hours; links printed by the
# command line start with this address (the web and the API use the request's own).
INTAKE_INVITATION_TTL_HOURS = int(os.environ.get("KETACLINIC_INTAKE_INVITATION_TTL_HOURS", "72"))
PUBLIC_BASE_URL = os.environ.get("KETACLINIC_PUBLIC_BASE_URL", "http://127.0.0.1:8000")

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("KETACLINIC_TIME_ZONE", "America/New_York")
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

EMAIL_BACKEND = os.environ.get(
    "KETACLINIC_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("KETACLINIC_FROM_EMAIL", "clinic@localhost")

# Background work (reminders, waitlist offers): Django's task framework with its database
# backend; ``ketaclinic worker`` runs the tasks. The demo and the tests run them in-process.
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "KETACLINIC_TASK_BACKEND", "django_tasks_db.backend.DatabaseBackend"
        )
    }
}

# Checkpoints of the audit and ledger hash chains (records/audit/checkpoints.py): appended to
# this file too (keep it on another machine or write-once storage); the worker writes one
# every so many minutes.
KETACLINIC_AUDIT_CHECKPOINT_FILE = os.environ.get("KETACLINIC_AUDIT_CHECKPOINT_FILE", "")
KETACLINIC_AUDIT_CHECKPOINT_EVERY_MIN = float(
    os.environ.get("KETACLINIC_AUDIT_CHECKPOINT_EVERY_MIN", "60")
)

# No inline script or style anywhere (ketaclinic.security_headers).
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "ketaclinic.logs.RedactRequestPaths"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("KETACLINIC_LOG_LEVEL", "WARNING")},
}
