"""What a face may send to the ledger services, validated in one place for every face."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from django.utils import timezone
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from ketaclinic.dosing.rescue import default_rescue_formulary
from ketaclinic.records.toolkit import AwarePast, FilterDay, Strict, validate

from .identifiers import dea_number_problem, ndc_problem
from .models import CountKind, FilingKind, LossKind, Schedule

__all__ = [
    "AdjustmentIn",
    "CountIn",
    "DrawIn",
    "FilingIn",
    "LossReportIn",
    "ProductIn",
    "ReceiptIn",
    "ReportQuery",
    "ResolutionIn",
    "ReversalIn",
    "StorageIn",
    "UseIn",
    "WasteIn",
    "validate",
]

TEXT_MAX_CHARS = 2000
# A count or loss report lists lots; more lines than this is not one cabinet.
LINES_MAX = 200

VolumeMl = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=3, allow_inf_nan=False)]
SignedVolumeMl = Annotated[Decimal, Field(max_digits=12, decimal_places=3, allow_inf_nan=False)]
DoseMg = Annotated[Decimal, Field(gt=0, max_digits=16, decimal_places=6, allow_inf_nan=False)]
Strength = Annotated[Decimal, Field(gt=0, max_digits=9, decimal_places=3, allow_inf_nan=False)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(min_length=1, max_length=TEXT_MAX_CHARS)]
OptionalText = Annotated[str, Field(max_length=TEXT_MAX_CHARS)]
Id = Annotated[int, Field(ge=1)]


def _refuse(model: str, field: str, message: str, value: object) -> ValidationError:
    """An error naming ``field``, from a check that needs several fields."""
    error = InitErrorDetails(
        type=PydanticCustomError("value_error", message), loc=(field,), input=value
    )
    return ValidationError.from_exception_data(model, [error])


def _not_future(value: date) -> date:
    if value > timezone.localdate():
        raise ValueError("cannot be in the future")
    return value


class ProductIn(Strict):
    name: Name
    ndc: Annotated[str, Field(min_length=1, max_length=13)]
    strength_mg_per_ml: Strength
    vial_volume_ml: Strength
    drug: Annotated[str, Field(min_length=1, max_length=40)] = "ketamine"
    schedule: Schedule | None = None
    """Filled from the drug; if given, it must be the drug's schedule."""

    @field_validator("drug")
    @classmethod
    def _controlled_drug(cls, value: str) -> str:
        known = default_rescue_formulary().controlled_drugs()
        if value not in known:
            raise ValueError(f"is not a controlled drug the ledger keeps ({', '.join(known)})")
        return value

    @model_validator(mode="after")
    def _schedule_of_drug(self) -> ProductIn:
        known = default_rescue_formulary().schedule_of(self.drug)
        assert known is not None  # the drug was checked to be controlled
        schedule = Schedule(known)
        if self.schedule is not None and self.schedule != schedule:
            raise _refuse(
                "ProductIn", "schedule", f"{self.drug} is {schedule.label}", self.schedule
            )
        self.schedule = schedule
        return self

    @field_validator("ndc")
    @classmethod
    def _ndc_shape(cls, value: str) -> str:
        problem = ndc_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class StorageIn(Strict):
    location: Annotated[str, Field(min_length=1, max_length=50)]
    name: Annotated[str, Field(min_length=1, max_length=100)]
    description: Annotated[str, Field(max_length=500)] = ""


class WitnessIn(Strict):
    """A second person, present, who re-enters their own password."""

    witness_username: Annotated[str, Field(max_length=150)] = ""
    witness_password: Annotated[str, Field(max_length=4096)] = ""


class ReceiptIn(Strict):
    storage_id: Id
    product_id: Id
    lot_number: Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9./-]+$")]
    expires_on: date
    vials: int
    supplier_name: Name
    supplier_address: Annotated[str, Field(min_length=1, max_length=500)]
    supplier_dea_number: Annotated[str, Field(min_length=1, max_length=9)]
    invoice_number: Annotated[str, Field(min_length=1, max_length=100)]
    received_on: date

    @field_validator("vials")
    @classmethod
    def _adds_stock(cls, value: int) -> int:
        if value < 1:
            raise ValueError("a receipt adds at least 1 vial (zero or negative is refused)")
        return value

    @field_validator("supplier_dea_number", mode="before")
    @classmethod
    def _dea_shape(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        value = value.strip().upper()
        problem = dea_number_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    _received_not_future = field_validator("received_on")(_not_future)


class DrawIn(Strict):
    storage_id: Id
    lot_id: Id
    patient_id: Id
    volume_ml: VolumeMl
    reference: Annotated[str, Field(max_length=100)] = ""
    occurred_at: AwarePast | None = None


class UseIn(Strict):
    """An amount taken from a draw: ``volume_ml``, or ``dose_mg`` when it is a whole 0.001 mL."""

    volume_ml: VolumeMl | None = None
    dose_mg: DoseMg | None = None
    occurred_at: AwarePast | None = None

    @model_validator(mode="after")
    def _one_amount(self) -> UseIn:
        if (self.volume_ml is None) == (self.dose_mg is None):
            raise _refuse("UseIn", "volume_ml", "give the amount once: volume_ml or dose_mg", None)
        return self


class WasteIn(UseIn, WitnessIn):
    pass


class AdjustmentIn(WitnessIn):
    storage_id: Id
    lot_id: Id
    change_ml: SignedVolumeMl
    reason: Text

    @field_validator("change_ml")
    @classmethod
    def _not_zero(cls, value: Decimal) -> Decimal:
        if value == 0:
            raise ValueError("must add (positive) or remove (negative) some volume")
        return value


class ReversalIn(WitnessIn):
    reason: Text


class CountLineIn(Strict):
    lot_id: Id
    full_vials: Annotated[int, Field(ge=0)]
    open_ml: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=3)] = Decimal(0)


class CountIn(WitnessIn):
    storage_id: Id
    kind: CountKind
    lines: Annotated[list[CountLineIn], Field(max_length=LINES_MAX)]
    note: OptionalText = ""


class ResolutionIn(WitnessIn):
    """What the investigation found; ``adjust`` posts the count's difference (witnessed)."""

    note: Text
    adjust: bool = False


class LossLineIn(Strict):
    lot_id: Id
    containers: Annotated[int, Field(ge=0)]
    volume_ml: VolumeMl


class LossReportIn(Strict):
    location: Annotated[str, Field(min_length=1, max_length=50)]
    kind: LossKind
    discovered_on: date
    circumstances: Text
    police_notified: bool
    police_department: Annotated[str, Field(max_length=200)] = ""
    police_phone: Annotated[str, Field(max_length=40)] = ""
    police_report_number: Annotated[str, Field(max_length=100)] = ""
    discrepancy_id: Id | None = None
    lines: Annotated[list[LossLineIn], Field(min_length=1, max_length=LINES_MAX)]

    _discovered_not_future = field_validator("discovered_on")(_not_future)

    @model_validator(mode="after")
    def _police_named(self) -> LossReportIn:
        if self.police_notified and not self.police_department:
            raise _refuse(
                "LossReportIn", "police_department", "name the department that was notified", ""
            )
        return self


class FilingIn(Strict):
    kind: FilingKind
    filed_on: date
    reference: Annotated[str, Field(max_length=100)] = ""

    _filed_not_future = field_validator("filed_on")(_not_future)


ReportKind = Literal["dispensing", "waste", "inventory", "discrepancies"]


class ReportQuery(Strict):
    """A report for the local dates ``from`` to ``to``, both included."""

    location: Annotated[str, Field(min_length=1, max_length=50)]
    kind: ReportKind = "dispensing"
    date_from: FilterDay = Field(alias="from")
    date_to: FilterDay = Field(alias="to")

    @model_validator(mode="after")
    def _in_order(self) -> ReportQuery:
        if self.date_to < self.date_from:
            raise _refuse("ReportQuery", "to", "must be on or after from", str(self.date_to))
        return self
