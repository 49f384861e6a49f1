"""The finder's arithmetic: haversine distances (properties) and the shipped ZIP centroids."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.core import DomainInputError
from ketaclinic.geography import (
    EARTH_RADIUS_KM,
    Point,
    city_centroid,
    haversine_km,
    place_near,
    zip_centroid,
)

points = st.builds(
    Point,
    st.floats(min_value=-90, max_value=90, allow_nan=False),
    st.floats(min_value=-180, max_value=180, allow_nan=False),
)


@given(points, points)
def test_distance_is_symmetric_and_bounded(a: Point, b: Point) -> None:
    there = haversine_km(a, b)
    assert there == pytest.approx(haversine_km(b, a), abs=1e-3)  # a metre
    assert 0 <= there <= math.pi * EARTH_RADIUS_KM + 1e-3


@given(points)
def test_a_point_is_no_distance_from_itself(a: Point) -> None:
    assert haversine_km(a, a) == pytest.approx(0, abs=1e-3)


@given(points, points, points)
def test_the_triangle_inequality_holds(a: Point, b: Point, c: Point) -> None:
    assert haversine_km(a, c) <= haversine_km(a, b) + haversine_km(b, c) + 1e-3


def test_known_distances() -> None:
    # One degree of longitude on the equator, and a quarter of the way round the Earth.
    assert haversine_km(Point(0, 0), Point(0, 1)) == pytest.approx(111.195, abs=0.01)
    assert haversine_km(Point(0, 0), Point(90, 0)) == pytest.approx(math.pi / 2 * EARTH_RADIUS_KM)
    # Glendale, AZ to Midtown Manhattan: about 3,450 km as the crow flies.
    glendale, manhattan = Point(33.6539, -112.1694), Point(40.7484, -73.9967)
    assert 3400 < haversine_km(glendale, manhattan) < 3500


def test_a_point_off_the_globe_is_refused_naming_the_field() -> None:
    with pytest.raises(DomainInputError) as error:
        Point(91, 0)
    assert error.value.field == "latitude"
    with pytest.raises(DomainInputError) as error:
        Point(0, 181)
    assert error.value.field == "longitude"


def test_zip_centroids_come_from_the_shipped_data() -> None:
    found = zip_centroid("85308")
    assert found is not None
    assert found.label == "85308 (Glendale, AZ)"
    assert found.point.latitude == pytest.approx(33.65, abs=0.05)
    assert zip_centroid("85308-1234") == found
    assert zip_centroid("00000") is None
    assert zip_centroid("8530") is None
    assert zip_centroid("abcde") is None


def test_cities_are_found_with_or_without_their_state() -> None:
    glendale = city_centroid("Glendale, AZ")
    assert glendale is not None
    assert glendale.label == "Glendale, AZ"
    assert city_centroid("glendale az") == glendale
    assert city_centroid("Glendale") is None  # Glendale, AZ or CA or …: ambiguous
    assert city_centroid("Nowhere At All, ZZ") is None
    assert place_near("10001") == zip_centroid("10001")
    assert place_near("New York, NY") == city_centroid("new york ny")
