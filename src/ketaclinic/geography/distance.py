"""The great-circle distance between two points on the Earth (the haversine formula)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ketaclinic.core import DomainInputError

EARTH_RADIUS_KM = 6371.0088
"""The mean Earth radius (IUGG); the spherical model is off by at most about 0.5 %."""


@dataclass(frozen=True)
class Point:
    """A position in decimal degrees (WGS 84)."""

    latitude: float
    longitude: float

    def __post_init__(self) -> None:
        if not -90.0 <= self.latitude <= 90.0:
            raise DomainInputError("latitude", f"{self.latitude} is not between -90 and 90")
        if not -180.0 <= self.longitude <= 180.0:
            raise DomainInputError("longitude", f"{self.longitude} is not between -180 and 180")


def haversine_km(a: Point, b: Point) -> float:
    """The distance in km along the Earth's surface from ``a`` to ``b``."""
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat = lat2 - lat1
    dlon = math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.atan2(math.sqrt(h), math.sqrt(max(0.0, 1 - h)))
