"""Setting up the ledger: the products stocked and the locked storage at each location."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ketaclinic.dosing.rescue import default_rescue_formulary
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import InvalidInput
from ketaclinic.records.toolkit import atomic_or, attempt, validate

from .common import location_field, location_or_404
from .inputs import ProductIn, StorageIn
from .models import Product, Schedule, StorageLocation


def add_product(actor: Actor, data: Mapping[str, Any]) -> Product:
    """A new stocked presentation; products are never edited (a new NDC is a new product)."""
    authorize(actor, Action.LEDGER_SETUP)
    with attempt(actor, Action.LEDGER_SETUP):
        fields = validate(ProductIn, data)
        if Product.objects.filter(ndc=fields.ndc).exists():
            raise InvalidInput.single("ndc", "a product with this NDC already exists")
        with atomic_or(InvalidInput.single("ndc", "a product with this NDC already exists")):
            product = Product.objects.create(**fields.model_dump(), created_by=actor.user)
            audit.record(actor, Action.LEDGER_SETUP, obj=product, detail={"ndc": fields.ndc})
    return product


def add_storage(actor: Actor, data: Mapping[str, Any]) -> StorageLocation:
    """A locked cabinet or safe at a clinic location."""
    authorize(actor, Action.LEDGER_SETUP)
    with attempt(actor, Action.LEDGER_SETUP):
        fields = validate(StorageIn, data)
        location = location_field(fields.location)
        taken = InvalidInput.single("name", "this location already has storage by that name")
        if StorageLocation.objects.filter(location=location, name=fields.name).exists():
            raise taken
        with atomic_or(taken):
            storage = StorageLocation.objects.create(
                location=location,
                name=fields.name,
                description=fields.description,
                created_by=actor.user,
            )
            audit.record(actor, Action.LEDGER_SETUP, obj=storage)
    return storage


@dataclass(frozen=True)
class ControlledDrug:
    id: str
    label: str
    schedule_label: str


def controlled_drugs() -> list[ControlledDrug]:
    """The drugs the ledger keeps, with their schedules (from the rescue formulary)."""
    formulary = default_rescue_formulary()
    return [
        ControlledDrug(drug.id, drug.label, Schedule(drug.schedule).label)
        for drug in formulary.drugs.values()
        if drug.schedule is not None
    ]


def products(actor: Actor) -> list[Product]:
    authorize(actor, Action.LEDGER_VIEW)
    return list(Product.objects.all())


def storage_at(actor: Actor, location_slug: str) -> list[StorageLocation]:
    authorize(actor, Action.LEDGER_VIEW)
    location = location_or_404(location_slug)
    return list(StorageLocation.objects.filter(location=location).select_related("location"))
