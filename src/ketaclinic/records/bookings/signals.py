"""What booking tells the apps above it, without importing them.

``series_booked`` is sent inside the booking's transaction once a series is booked; pricing
subscribes in its ``AppConfig.ready`` (a self-pay patient's Good Faith Estimate is issued once
the booking commits)."""

from __future__ import annotations

from django.dispatch import Signal

from ketaclinic.records.context import Actor

series_booked = Signal()
"""Sent with ``actor`` and ``series_id``; receivers run inside the booking's transaction."""


def announce_series_booked(actor: Actor, series_id: int) -> None:
    """Call inside the booking's transaction."""
    series_booked.send(sender=None, actor=actor, series_id=series_id)
