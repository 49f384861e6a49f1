"""US ZIP-code and city centroids from the ``zipcodes`` package's embedded data set."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

import zipcodes

from .distance import Point

_ZIP = re.compile(r"^\d{5}(?:-\d{4})?$")
_CITY_STATE = re.compile(r"^(?P<city>[A-Za-z .'-]+?)(?:\s*,\s*|\s+)(?P<state>[A-Za-z]{2})$")


@dataclass(frozen=True)
class Place:
    """A named place and its centroid: a ZIP code's, or the mean of a city's ZIP codes."""

    label: str
    point: Point


def zip_centroid(text: str) -> Place | None:
    """The centroid of a US ZIP code (``85308`` or ``85308-1234``), or None if unknown."""
    code = text.strip()
    if not _ZIP.match(code):
        return None
    found = zipcodes.matching(code[:5])
    if not found:
        return None
    row = found[0]
    return Place(
        f"{row['zip_code']} ({row['city']}, {row['state']})",
        Point(float(row["lat"]), float(row["long"])),
    )


@cache
def _cities() -> dict[tuple[str, str], Place]:
    """Each city (lower-case name, state) at the mean of its ZIP codes' centroids."""
    points: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    names: dict[tuple[str, str], str] = {}
    for row in zipcodes.list_all():
        if not row.get("lat") or not row.get("long"):
            continue
        key = (str(row["city"]).lower(), str(row["state"]).upper())
        points[key].append((float(row["lat"]), float(row["long"])))
        names[key] = f"{row['city']}, {row['state']}"
    return {
        key: Place(
            names[key],
            Point(sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)),
        )
        for key, pts in points.items()
    }


def city_centroid(text: str) -> Place | None:
    """A US city given as ``City, ST`` or ``City ST``; or a city name alone when only one
    state has a city of that name. None when unknown or ambiguous."""
    text = " ".join(text.split())
    cities = _cities()
    match = _CITY_STATE.match(text)
    if match:
        found = cities.get((match["city"].lower(), match["state"].upper()))
        if found is not None:
            return found
    same_name = [place for (city, _), place in cities.items() if city == text.lower()]
    return same_name[0] if len(same_name) == 1 else None


def place_near(text: str) -> Place | None:
    """A ZIP code's or a city's centroid, whichever ``text`` names."""
    return zip_centroid(text) or city_centroid(text)


def warm_up() -> None:
    """Decompress the ZIP data set and build the city index now (the server calls this before
    it forks its workers, so none pays for it on a visitor's first search)."""
    zip_centroid("10001")
    _cities()
