"""Bounded query parameters shared by the API's lists and filters: a page number and a day.

Out of range, they are refused with 422 naming the parameter before any service runs (a huge
page or a day in year 9999 used to overflow the database or the date arithmetic)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from ketaclinic.records.pages import LAST_PAGE
from ketaclinic.records.toolkit import FilterDay as Day

PageNumber = Annotated[int, Field(ge=1, le=LAST_PAGE, description="page number, from 1")]

__all__ = ["Day", "PageNumber"]
