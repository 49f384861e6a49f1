"""Setting prices and who bills: managers add a new version of a location's price list (old
versions stay) and keep the billing provider's name, NPI and tax id. Every staff member reads
the lists. Each write is one transaction with its audit entry; a refusal writes nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Max

from ketaclinic.protocols import protocol_ids
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.audit import services as audit
from ketaclinic.records.audit.actions import Audited
from ketaclinic.records.clinics.models import Location
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, FieldError, InvalidInput
from ketaclinic.records.toolkit import (
    atomic_or,
    audits_refusals,
    get_or_invalid,
    local_today,
    validate,
)

from . import codes, lookups
from .choices import PriceKind
from .inputs import BillingProviderIn, PriceItemIn, PriceListIn
from .models import BillingProvider, PriceItem, PriceList


def npi_is_valid(npi: str) -> bool:
    """The NPI check digit: Luhn over the 9 digits prefixed with 80840 (CMS NPI standard)."""
    if len(npi) != 10 or not npi.isdigit():
        return False
    digits = [int(d) for d in "80840" + npi[:9]]
    total = 0
    for index, digit in enumerate(reversed(digits)):
        doubled = digit * 2 if index % 2 == 0 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return (10 - total % 10) % 10 == int(npi[9])


def _item_errors(index: int, item: PriceItemIn) -> list[FieldError]:
    where = f"items.{index}"
    errors: list[FieldError] = []
    if item.protocol and item.protocol not in protocol_ids():
        errors.append(FieldError(f"{where}.protocol", f"no protocol is called {item.protocol!r}"))
    if item.kind == PriceKind.PACKAGE and item.sessions < 2:
        errors.append(FieldError(f"{where}.sessions", "a package covers at least 2 infusions"))
    if item.kind != PriceKind.PACKAGE and item.sessions != 1:
        errors.append(FieldError(f"{where}.sessions", "only a package covers several infusions"))
    return errors


def _checked_items(items: list[PriceItemIn]) -> list[dict[str, Any]]:
    errors: list[FieldError] = []
    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for index, item in enumerate(items):
        errors += _item_errors(index, item)
        key = (item.kind.value, item.protocol)
        if key in seen:
            errors.append(FieldError(f"items.{index}.kind", "the list already has this price"))
        seen.add(key)
        try:
            item_codes = codes.service_codes(
                item.codes if item.codes is not None else codes.default_codes(item.kind),
                f"items.{index}.codes",
            )
        except InvalidInput as error:
            errors += error.errors
            continue
        rows.append(
            {
                "kind": item.kind.value,
                "protocol_id": item.protocol,
                "label": item.label or _label(item),
                "codes": item_codes,
                "sessions": item.sessions,
                "amount_cents": item.amount_cents,
            }
        )
    if errors:
        raise InvalidInput(errors)
    return rows


def _label(item: PriceItemIn) -> str:
    if item.kind == PriceKind.PACKAGE:
        return f"Series of {item.sessions} infusions (package price)"
    label = str(item.kind.label)
    return f"{label} ({item.protocol})" if item.protocol else label


@audits_refusals(Action.PRICE_SET)
def add_price_list(actor: Actor, data: Mapping[str, Any]) -> PriceList:
    """A new version of a location's prices, in effect from ``effective_from`` (in the
    location's zone); earlier versions are kept as they were. A later version starts today or
    later; a location's first list may start earlier (the prices it already charged)."""
    authorize(actor, Action.PRICE_SET)
    fields = validate(PriceListIn, data)
    location = get_or_invalid(
        Location.objects.all(), fields.location, "location", "location", by="slug"
    )
    first = not PriceList.objects.filter(location=location).exists()
    if not first and fields.effective_from < local_today(location.zone):
        raise InvalidInput.single(
            "effective_from", "cannot be in the past: prices already in use stay as they were"
        )
    rows = _checked_items(fields.items)
    with atomic_or(Conflict("another price list was added at the same time; try again")):
        latest = PriceList.objects.filter(location=location).aggregate(v=Max("version"))["v"]
        price_list = PriceList.objects.create(
            location=location,
            version=(latest or 0) + 1,
            effective_from=fields.effective_from,
            note=fields.note,
            created_by=actor.user,
        )
        PriceItem.objects.bulk_create(PriceItem(price_list=price_list, **row) for row in rows)
        audit.record(
            actor,
            Action.PRICE_SET,
            obj=price_list,
            detail={
                "location": location.slug,
                "version": price_list.version,
                "effective_from": fields.effective_from.isoformat(),
                "items": [
                    {
                        k: row[k]
                        for k in ("kind", "protocol_id", "codes", "sessions", "amount_cents")
                    }
                    for row in rows
                ],
            },
        )
    return lookups.price_list(price_list.pk)


def price_lists(actor: Actor, location: str | None = None) -> list[PriceList]:
    """Every version of every location's prices (or one location's), newest first."""
    authorize(actor, Action.PRICE_VIEW)
    audit.record(actor, Action.PRICE_VIEW, detail={"location": location or "every location"})
    places = (
        [lookups.location_of(location)] if location else list(Location.objects.order_by("name"))
    )
    return [version for place in places for version in lookups.price_lists(place)]


def price_list(actor: Actor, price_list_id: int) -> PriceList:
    authorize(actor, Action.PRICE_VIEW)
    return lookups.price_list(price_list_id)


@audits_refusals(Action.PRICE_SET)
def set_billing_provider(
    actor: Actor, location_slug: str, data: Mapping[str, Any]
) -> BillingProvider:
    """Who bills at the location: name, NPI (check digit verified) and tax id (EIN)."""
    authorize(actor, Action.PRICE_SET)
    fields = validate(BillingProviderIn, data)
    if not npi_is_valid(fields.npi):
        raise InvalidInput.single("npi", "is not a valid NPI (its check digit does not match)")
    location = get_or_invalid(
        Location.objects.all(), location_slug, "location", "location", by="slug"
    )
    tax_id = fields.tax_id.replace("-", "")
    values = fields.model_dump() | {
        "tax_id": f"{tax_id[:2]}-{tax_id[2:]}",
        "updated_by": actor.user,
    }
    with atomic_or(Conflict("the billing provider was changed at the same time; try again")):
        provider, _ = BillingProvider.objects.update_or_create(location=location, defaults=values)
        audit.record(
            actor,
            Audited.PRICE_PROVIDER_SET,
            obj=provider,
            detail={"location": location.slug, "name": provider.name, "npi": provider.npi},
        )
    return provider


def price_list_dict(price_list: PriceList) -> dict[str, Any]:
    """A price list as the API and CLI show it."""
    return {
        "id": price_list.pk,
        "location": price_list.location.slug,
        "location_name": price_list.location.name,
        "version": price_list.version,
        "effective_from": price_list.effective_from.isoformat(),
        "note": price_list.note,
        "created_by": price_list.created_by.get_username(),
        "created_at": price_list.created_at.isoformat(),
        "items": [
            {
                "kind": item.kind,
                "protocol": item.protocol_id,
                "label": item.label,
                "code": item.code,
                "codes": list(item.codes),
                "sessions": item.sessions,
                "amount_cents": item.amount_cents,
            }
            for item in price_list.items.all()
        ],
    }
