"""Reads of prices: the list in effect at a location on a day, and the price of one kind of
care on it. Prices are not patient data: these reads are neither permission-checked beyond
the log-in nor audited (``services`` guards the writes and the lists shown to staff)."""

from __future__ import annotations

from datetime import date

from django.db.models import Prefetch

from ketaclinic.records.clinics.models import Location
from ketaclinic.records.errors import Conflict, NotFound

from .choices import PriceKind
from .models import BillingProvider, PriceItem, PriceList


class NoPrice(Conflict):
    """No price list, or no price of the kind asked for, is in effect at the location on the
    day. A manager adds one (``/prices``, ``ketaclinic billing prices``)."""


LocationRef = Location | int | str
"""A location, its id or its slug."""


def location_of(location: LocationRef) -> Location:
    """The location given by itself, its id or its slug; ``NotFound`` otherwise."""
    if isinstance(location, Location):
        return location
    by = "pk" if isinstance(location, int) else "slug"
    found = Location.objects.filter(**{by: location}).first()
    if found is None:
        raise NotFound(f"location {location!r} does not exist")
    return found


def list_on(location: LocationRef, day: date) -> PriceList:
    """The price list in effect at ``location`` on ``day`` (the location's local date): the
    latest effective date on or before the day, and of those the highest version."""
    place = location_of(location)
    found = (
        PriceList.objects.filter(location=place, effective_from__lte=day)
        .order_by("-effective_from", "-version")
        .prefetch_related("items")
        .first()
    )
    if found is None:
        raise NoPrice(f"{place.name} has no price list in effect on {day.isoformat()}")
    return found


def item_in(price_list: PriceList, kind: PriceKind | str, protocol: str | None = None) -> PriceItem:
    """The item of ``kind`` on ``price_list``: the protocol's own price when it has one, else
    the price for every protocol (blank protocol)."""
    kind = PriceKind(kind)
    items = [item for item in price_list.items.all() if item.kind == kind]
    for wanted in [protocol, ""] if protocol else [""]:
        for item in items:
            if item.protocol_id == wanted:
                return item
    place = price_list.location.name
    for_what = f" for protocol {protocol}" if protocol else ""
    raise NoPrice(
        f"the {place} price list of {price_list.effective_from.isoformat()} "
        f"(version {price_list.version}) has no {kind.label.lower()} price{for_what}"
    )


def price_on(
    location: LocationRef, kind: PriceKind | str, day: date, protocol: str | None = None
) -> PriceItem:
    """The price of ``kind`` (for ``protocol`` when given) at ``location`` on ``day``; raises
    ``NoPrice`` (a ``Conflict``, naming the location, day and kind) when there is none."""
    return item_in(list_on(location, day), kind, protocol)


def price_lists(location: LocationRef) -> list[PriceList]:
    """Every version of the location's prices, newest effective date first, with items."""
    place = location_of(location)
    return list(
        PriceList.objects.filter(location=place)
        .select_related("location", "created_by")
        .prefetch_related(
            Prefetch("items", queryset=PriceItem.objects.order_by("kind", "protocol_id"))
        )
        .order_by("-effective_from", "-version")
    )


def price_list(price_list_id: int) -> PriceList:
    """One version, with its location and items; ``NotFound`` otherwise."""
    found = (
        PriceList.objects.select_related("location", "created_by")
        .prefetch_related("items")
        .filter(pk=price_list_id)
        .first()
    )
    if found is None:
        raise NotFound(f"price list {price_list_id!r} does not exist")
    return found


def billing_provider(location: LocationRef) -> BillingProvider | None:
    """Who bills at the location (name, NPI, tax id), or None when not set up."""
    return BillingProvider.objects.filter(location=location_of(location)).first()
