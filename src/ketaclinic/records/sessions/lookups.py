"""Small reads the faces need about a session that hold no patient data."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from ketaclinic.records.errors import NotFound

from .models import Session


def session_zone(session_id: int) -> ZoneInfo:
    """The time zone of the location where the session is held (its clock times are there)."""
    session = Session.objects.select_related("location").filter(pk=session_id).first()
    if session is None:
        raise NotFound("no such session")
    return session.location.zone
