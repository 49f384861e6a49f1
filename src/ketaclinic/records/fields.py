"""Model fields and constraints the records apps share."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q


def user_field(related_name: str = "+", *, null: bool = False, **options: Any) -> Any:
    """The account that did something (recorded, decided, signed): protected, so an account
    that has acted is never deleted; optional (``null``) only where no one may have acted."""
    if null:
        options.update(null=True, blank=True)
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name=related_name, **options
    )


def amends_field(what: str) -> Any:
    """The earlier row this one corrects (signed records are never changed in place: a
    correction is a new row pointing at the old one, ``amendment`` from the old side)."""
    return models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="amendment",
        help_text=f"The {what} this one corrects; each is corrected at most once.",
    )


def one_of(name: str, field: str, choices: type[models.Choices]) -> models.CheckConstraint:
    """The database refuses a ``field`` value outside ``choices``."""
    return models.CheckConstraint(name=name, condition=Q(**{f"{field}__in": choices.values}))


def has_text(name: str, field: str = "reason") -> models.CheckConstraint:
    """The database refuses an empty ``field`` (a reason, a note)."""
    return models.CheckConstraint(name=name, condition=~Q(**{field: ""}))


def amendment_has_reason(name: str) -> models.CheckConstraint:
    """A correction (``amends`` set) gives its ``amendment_reason``; an original gives none."""
    return models.CheckConstraint(
        name=name,
        condition=Q(amends__isnull=True, amendment_reason="")
        | (Q(amends__isnull=False) & ~Q(amendment_reason="")),
    )


def positive(name: str, *fields: str) -> models.CheckConstraint:
    """The database refuses zero or less in any of ``fields`` (an amount, a dose, a volume)."""
    return models.CheckConstraint(name=name, condition=Q(**{f"{f}__gt": 0 for f in fields}))


def at_least_one(name: str, field: str) -> models.CheckConstraint:
    """The database refuses a count (sessions, a version, a step) below one."""
    return models.CheckConstraint(name=name, condition=Q(**{f"{field}__gte": 1}))


def ends_after_start(name: str) -> models.CheckConstraint:
    """The database refuses a span [starts_at, ends_at) that ends at or before it starts."""
    return models.CheckConstraint(name=name, condition=Q(ends_at__gt=F("starts_at")))


def not_same(name: str, field: str, other: str) -> models.CheckConstraint:
    """The database refuses ``field`` equal to ``other`` (a second person, not the first)."""
    return models.CheckConstraint(name=name, condition=~Q(**{field: F(other)}))
