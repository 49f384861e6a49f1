"""Parts many response shapes share: a user shown by username, and a page's counts."""

from __future__ import annotations

from typing import Any

from ninja import Schema


def username(user: Any) -> str:
    return str(user.get_username())


class RecordedByOut(Schema):
    """Who recorded it, by username."""

    recorded_by: str

    @staticmethod
    def resolve_recorded_by(obj: Any) -> str:
        return username(obj.recorded_by)


class PageCountsOut(Schema):
    """Where a page stands in the whole list (``items`` are on the subclass)."""

    total: int
    page: int
    page_size: int
    pages: int
