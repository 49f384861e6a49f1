"""One page of a longer list, for every face: the records' paged reads return it, the web
shows it with ``web/_pager.html`` and the API sends its fields."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import QuerySet

T = TypeVar("T")

# The highest page number any face asks for (far past any list the clinic will hold).
LAST_PAGE = 1_000_000


@dataclass(frozen=True)
class Page(Generic[T]):
    """Page ``page`` (from 1) of ``total`` items, ``page_size`` a page."""

    items: list[T]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @classmethod
    def of(cls, rows: Sequence[T] | QuerySet[Any, T], page: int, page_size: int) -> Page[T]:
        """Page ``page`` of ``rows`` (a list or a queryset, counted in the database);
        before the first page the first, past the last page the last."""
        total = rows.count() if isinstance(rows, QuerySet) else len(rows)
        page = min(max(1, page), max(1, -(-total // page_size)))
        start = (page - 1) * page_size
        return cls(list(rows[start : start + page_size]), total, page, page_size)
