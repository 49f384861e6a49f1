"""Reads of staff accounts that the faces offer in pickers (no patient data)."""

from __future__ import annotations

from .models import User
from .roles import Role


def active_physicians() -> list[User]:
    """The physicians who can be named as a patient's referring or treating physician."""
    return list(User.objects.filter(role=Role.PHYSICIAN, is_active=True).order_by("last_name"))


def active_user(username: str) -> User | None:
    """The active account with this username, for a face that was given one (``--user``)."""
    return User.objects.filter(username=username, is_active=True).first()
