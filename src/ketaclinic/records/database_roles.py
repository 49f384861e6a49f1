"""What the application's PostgreSQL role may do: read and write every table, except that on
the audit trail's and the ledger's append-only tables it may only SELECT and INSERT.

The tables belong to another role (the owner), which runs the migrations
(``KETACLINIC_MIGRATE_DATABASE_URL``); ``ketaclinic migrate`` then grants the application's
role (``KETACLINIC_APP_DATABASE_ROLE``) these privileges, so that every new table is covered.
The application's role owns nothing, so it can neither drop nor disable the triggers that
refuse UPDATE, DELETE and TRUNCATE (``append_only``). See docs/operations.md, "Security".
"""

from __future__ import annotations

import re

from django.apps import apps
from django.db import connections

from .append_only import AppendOnlyModel

PROTECTED_APPS = ("audit", "ledger")
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def protected_tables() -> list[str]:
    """The append-only tables of the audit trail and the ledger."""
    return sorted(
        model._meta.db_table
        for model in apps.get_models()
        if model._meta.app_label in PROTECTED_APPS and issubclass(model, AppendOnlyModel)
    )


def app_role_grants(role: str) -> list[str]:
    """The statements that give ``role`` what the application needs, and no more."""
    if not ROLE_NAME.fullmatch(role):
        raise ValueError(f"{role!r} is not a plain role name (lower-case letters, digits, _)")
    return [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON {', '.join(protected_tables())} "
        f"FROM {role}",
    ]


def grant_app_role(role: str, using: str = "default") -> list[str]:
    """Apply ``app_role_grants`` (PostgreSQL; run as the tables' owner); return them."""
    statements = app_role_grants(role)
    with connections[using].cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    return statements
