"""What a session tells the apps above it, without importing them.

``session_signed`` is sent inside the signature's transaction once a session's record is
signed (discharged or cancelled); billing subscribes in its ``AppConfig.ready`` and posts the
session's charges (or uses a prepaid package infusion) in the same transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.dispatch import Signal

if TYPE_CHECKING:
    from ketaclinic.records.context import Actor

session_signed_signal = Signal()
"""Sent with ``session_id`` and ``actor``; receivers run inside the signing transaction."""


def session_signed(actor: Actor, session_id: int) -> None:
    """Call inside the signing transaction."""
    session_signed_signal.send(sender=None, session_id=session_id, actor=actor)
