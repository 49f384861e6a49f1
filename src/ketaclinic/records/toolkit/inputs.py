"""Validating what a face sends: strict models, one ``InvalidInput`` naming every bad field."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ketaclinic.records.errors import FieldError, InvalidInput
from ketaclinic.records.patients.limits import HEIGHT_CM_MAX, HEIGHT_CM_MIN, WEIGHT_KG_MAX

WeightKg = Annotated[float, Field(gt=0, le=WEIGHT_KG_MAX, allow_inf_nan=False)]
"""A recordable weight (see ``patients.limits``)."""
HeightCm = Annotated[float, Field(ge=HEIGHT_CM_MIN, le=HEIGHT_CM_MAX, allow_inf_nan=False)]
"""A recordable height (see ``patients.limits``)."""


class Strict(BaseModel):
    """Base of every input model: unknown fields are refused, text is stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], data: Any) -> M:
    """Validate ``data`` into ``model`` or raise ``InvalidInput`` naming every bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InvalidInput(
            [
                FieldError(".".join(str(part) for part in e["loc"]) or "body", _message(e))
                for e in error.errors()
            ]
        ) from None


def _message(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "is not a known field"
    if error["type"] == "missing":
        return "is required"
    return str(error["msg"]).removeprefix("Value error, ")
