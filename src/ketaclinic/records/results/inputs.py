"""What a face may send to record a test result (types here; the test catalog checks the rest)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field

from ketaclinic.records.toolkit import Strict

Number = Annotated[float, Field(allow_inf_nan=False)]


class ResultIn(Strict):
    test: Annotated[str, Field(min_length=1, max_length=32)]
    taken_on: date
    value: Number | None = None
    unit: Annotated[str, Field(max_length=16)] = ""
    code: Annotated[str, Field(max_length=16)] = ""
    reference_low: Number | None = None
    reference_high: Number | None = None
    abnormal: bool = False
    note: Annotated[str, Field(max_length=2000)] = ""
