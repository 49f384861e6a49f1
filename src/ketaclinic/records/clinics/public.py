"""What the public site shows of each location: address, phone, map link, weekly hours and
whether it is open now, in the location's own zone; and the locations nearest a place. No
patient data: read without log-in, unaudited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from urllib.parse import quote_plus

from ketaclinic.geography import Place, Point, haversine_km

from .choices import Weekday
from .models import Location

MAP_SEARCH = "https://www.openstreetmap.org/search?query="
"""A plain link to a map search of the address: no map script on our pages."""


@dataclass(frozen=True)
class DayHours:
    day: str
    periods: tuple[tuple[time, time], ...]

    @property
    def text(self) -> str:
        if not self.periods:
            return "Closed"
        return ", ".join(f"{_clock(a)}–{_clock(b)}" for a, b in self.periods)


def _clock(moment: time) -> str:
    """7:00 am, 4:30 pm: as the clinic's own pages write times."""
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'am' if moment.hour < 12 else 'pm'}"


@dataclass(frozen=True)
class PublicLocation:
    slug: str
    name: str
    address: str
    phone: str
    time_zone: str
    week: tuple[DayHours, ...]
    open_now: bool
    point: Point | None
    distance_km: float | None = None

    @property
    def map_url(self) -> str:
        return MAP_SEARCH + quote_plus(" ".join(self.address.split())) if self.address else ""

    @property
    def phone_link(self) -> str:
        return "tel:" + "".join(c for c in self.phone if c.isdigit() or c == "+")


def _public(location: Location, now: datetime, distance_km: float | None = None) -> PublicLocation:
    local = now.astimezone(location.zone)
    periods = [(h.weekday, h.opens_at, h.closes_at) for h in location.hours.all()]
    week = tuple(
        DayHours(day.label, tuple((a, b) for d, a, b in periods if d == day.value))
        for day in Weekday
    )
    open_now = (
        any(d == local.weekday() and a <= local.time() < b for d, a, b in periods)
        and not location.closures.filter(starts_at__lte=now, ends_at__gt=now).exists()
    )
    point = (
        Point(location.latitude, location.longitude)
        if location.latitude is not None and location.longitude is not None
        else None
    )
    return PublicLocation(
        location.slug,
        location.name,
        location.address,
        location.phone,
        location.time_zone,
        week,
        open_now,
        point,
        distance_km,
    )


def public_locations(now: datetime) -> list[PublicLocation]:
    """Every location, by name."""
    return [_public(loc, now) for loc in Location.objects.prefetch_related("hours")]


def nearest_locations(place: Place, now: datetime) -> list[PublicLocation]:
    """The locations with coordinates, nearest ``place`` first (distance in km, 0.1 km)."""
    found = []
    for location in Location.objects.prefetch_related("hours").exclude(latitude=None):
        point = Point(float(location.latitude or 0), float(location.longitude or 0))
        found.append(_public(location, now, round(haversine_km(place.point, point), 1)))
    return sorted(found, key=lambda loc: (loc.distance_km, loc.name))
